"""Editors' decisions hold across runs: keyed by rule and context, not offsets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import RULES, SEEDS

from postedit.decisions import append_decision, context_key, load_decisions
from postedit.runner import Settings, cleanup

S002 = "002_886702d4e5dac6fe"


def run(inbox: Path, out: Path, decisions: Path) -> dict:
    cleanup(Settings(inbox, RULES, out, "en", "ar", decisions=decisions))
    return {r["id"]: r for r in map(json.loads, (out / "corpus.jsonl").open(encoding="utf-8"))}


def decide(path: Path, record: dict, raw: str, rule: str, nth: int, decision: str) -> dict:
    edit = [e for e in record["edits"] if e["rule"] == rule][nth]
    before, left, right = context_key(raw, edit["start"], edit["end"])
    line = {
        "article": record["id"],
        "rule": rule,
        "before": before,
        "left": left,
        "right": right,
        "decision": decision,
    }
    append_decision(path, line)
    return edit


def test_a_rejected_fix_stays_rejected_even_when_the_text_shifts(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    shutil.copytree(SEEDS, inbox)
    decisions = tmp_path / "decisions.jsonl"
    raw = (inbox / f"{S002}.txt").read_text(encoding="utf-8")
    records = run(inbox, tmp_path / "out", decisions)
    rejected = decide(decisions, records[S002], raw, "en.from-ar.truth-truce", 0, "reject")
    # the article changes before the edit: offsets move, the decision still holds
    (inbox / f"{S002}.txt").write_text(
        raw.replace("Thursday, June 20, 2024", "Thursday, June 20, 2024\n\n"), encoding="utf-8"
    )
    records = run(inbox, tmp_path / "out", decisions)
    truce = [e for e in records[S002]["edits"] if e["rule"] == "en.from-ar.truth-truce"]
    assert [(e["action"], e.get("decision")) for e in truce] == [
        ("flag", "rejected"),
        ("fix", None),
        ("fix", None),
    ]
    assert truce[0]["start"] == rejected["start"] + 2
    assert "entered into a truth with" in records[S002]["text"]
    page = (tmp_path / "out" / "review" / "articles" / f"{S002}.html").read_text()
    assert "Rejected by an editor" in page


def test_an_accepted_flag_becomes_a_fix_and_a_rule_can_be_turned_off(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.jsonl"
    records = run(SEEDS, tmp_path / "out", decisions)
    raw = (SEEDS / "004_1d7b1556ae453f1b.txt").read_text(encoding="utf-8")
    record = records["004_1d7b1556ae453f1b"]
    append_decision(
        decisions,
        {
            "rule": "en.blog-comment-footer",
            "scope": "source",
            "source": record["source"],
            "decision": "off",
        },
    )
    flag = decide(decisions, record, raw, "en.unbalanced-quotes", 0, "accept")
    assert flag["after"] == ""  # no suggestion: accepting it cannot become a fix
    records = run(SEEDS, tmp_path / "out", decisions)
    record = records["004_1d7b1556ae453f1b"]
    assert "Leave a comment" in record["text"]
    assert not [e for e in record["edits"] if e["rule"] == "en.blog-comment-footer"]
    quotes = [e for e in record["edits"] if e["rule"] == "en.unbalanced-quotes"]
    assert quotes[0]["action"] == "flag" and quotes[0]["decision"] == "accepted"


def test_torn_lines_are_skipped_and_the_last_decision_wins(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    base = {"article": "a", "rule": "r", "before": "x", "left": "", "right": ""}
    append_decision(path, {**base, "decision": "reject"})
    append_decision(path, {**base, "decision": "accept"})
    with open(path, "a") as handle:
        handle.write('{"article": "a", "rule"')  # a write cut off by a crash
    assert load_decisions(path).decision("a", "r", "x", 0, 1) == "accept"


def test_a_torn_multibyte_last_line_and_a_line_separator_in_an_id_both_work(
    tmp_path: Path,
) -> None:
    """A full disk or a power cut can cut the last line inside a UTF-8 character; an id may hold
    U+2028, U+2029 or NEL. Neither may lose a decision nor stop a run."""
    path = tmp_path / "decisions.jsonl"
    odd = "article\u2028with\u2029separators\u0085inside"
    append_decision(path, {"article": odd, "rule": "r", "before": "x", "decision": "accept"})
    assert path.read_bytes().isascii() and path.read_bytes().count(b"\n") == 1
    torn = json.dumps({"article": "ذ", "rule": "r", "before": "y", "decision": "reject"})
    with path.open("ab") as handle:
        handle.write(torn.encode("utf-8")[:-3] + "ذ".encode()[:1])  # cut inside a character
    loaded = load_decisions(path)
    assert loaded.decision(odd, "r", "x", 0, 1) == "accept"
    assert loaded.skipped and "decisions.jsonl:2" in loaded.skipped[0]
    append_decision(path, {"article": "b", "rule": "r", "before": "z", "decision": "accept"})
    assert load_decisions(path).decision("b", "r", "z", 0, 1) == "accept"  # the torn line only

    report = cleanup(Settings(SEEDS, RULES, tmp_path / "out", "en", "ar", decisions=path))
    assert report["status"] == "ok" and report["decisions_skipped"] == loaded.skipped
