"""The whole cleanup on the five seeds, as the users asked for it (no Prefect here)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from conftest import RULES, SEEDS

from postedit.memo import STORE_FILE
from postedit.render import load_schema
from postedit.runner import Settings, cleanup

S002 = "002_886702d4e5dac6fe"


@pytest.fixture(scope="module")
def out(seeds_corpus: Path) -> Path:
    return seeds_corpus


@pytest.fixture(scope="module")
def corpus(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (out / "corpus.jsonl").open(encoding="utf-8"))}


def edits(record: dict, rule: str) -> list[dict]:
    return [e for e in record["edits"] if e["rule"] == rule]


def test_a_record_a_text_and_a_diff_per_seed(out: Path, corpus: dict) -> None:
    stems = sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert list(corpus) == stems
    assert sorted(p.stem for p in (out / "articles").iterdir()) == stems
    assert sorted(p.stem for p in (out / "diffs").iterdir()) == stems
    validator = jsonschema.Draft202012Validator(load_schema())
    for record in corpus.values():
        validator.validate(record)


def test_002_truce_and_factions(corpus: dict) -> None:
    record = corpus[S002]
    truce = edits(record, "en.from-ar.truth-truce")
    assert [(e["before"], e["after"], e["action"]) for e in truce] == [
        ("truth", "truce", "fix")
    ] * 3
    factions = edits(record, "en.from-ar.facts-factions")
    assert [(e["before"], e["after"]) for e in factions] == [("facts", "factions")] * 2
    text = record["text"]
    assert " truth" not in text and " facts " not in text
    assert "since the armistice" in text  # untouched
    assert text.count("factions") == 9  # 7 legitimate ones untouched, 2 fixed


def test_002_boilerplate_and_repeated_title(corpus: dict, out: Path) -> None:
    record = corpus[S002]
    text = record["text"]
    assert not text.startswith("An “extraordinary” meeting")
    assert edits(record, "repair.repeated-title")
    for debris in ("No comments", "Post a Comment", " link"):
        assert debris not in text
    assert record["date"] == "2024-06-20"
    diff = (out / "diffs" / f"{S002}.diff").read_text(encoding="utf-8")
    for line in ("+Since the beginning of last February", "-No comments:", "-Post a Comment"):
        assert any(d.startswith(line) for d in diff.splitlines())
    assert "a truce with the American side" in diff


def test_000_title_and_label(corpus: dict) -> None:
    record = corpus["000_115896091037aa73"]
    assert [e["before"] for e in edits(record, "repair.category-label")] == [
        "Statements and Initiatives"
    ]
    assert record["text"].startswith("Al Nasr Coalition welcomes the announcement")


def test_every_edit_offset_points_into_the_raw_text(corpus: dict) -> None:
    for record in corpus.values():
        raw = (SEEDS / record["source"]).read_text(encoding="utf-8")
        for e in record["edits"]:
            assert raw[e["start"] : e["end"]] == e["before"], (record["id"], e)


def test_the_diffs_apply_with_patch(out: Path, corpus: dict, tmp_path: Path) -> None:
    for record in corpus.values():
        work = tmp_path / record["source"]
        shutil.copy(SEEDS / record["source"], work)
        subprocess.run(
            ["patch", "-s", str(work), str(out / "diffs" / f"{record['id']}.diff")], check=True
        )
        assert work.read_bytes() == (out / "articles" / f"{record['id']}.txt").read_bytes()


def test_rerun_is_byte_identical(out: Path, tmp_path: Path) -> None:
    cleanup(Settings(SEEDS, RULES, tmp_path, "en", "ar"))
    for path in sorted(out.rglob("*")):
        if path.name.startswith(STORE_FILE):  # a cache of paragraph results: what a run made
            continue
        if path.is_file() and path.name not in ("report.json", ".postedit.lock"):
            assert (tmp_path / path.relative_to(out)).read_bytes() == path.read_bytes(), path


def test_report_counts_per_rule_and_action(out: Path) -> None:
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "ok" and report["articles"] == 5
    assert report["edits"]["by_rule"]["en.from-ar.truth-truce"] == {"fix": 3}
    total = sum(sum(c.values()) for c in report["edits"]["by_rule"].values())
    assert total == sum(report["edits"]["by_action"].values())
    assert set(report["timings"]) >= {"read", "structure", "ftfy", "whitespace", "rules"}
