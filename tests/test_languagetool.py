"""LanguageTool over real HTTP: postedit pointed at a local server that replays LanguageTool 6.5
responses (tests/lt_replay.py). The responses follow LanguageTool's documented API format."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import lt_replay
import pytest
from conftest import RULES

from postedit.grammar import GrammarSettings
from postedit.runner import Settings, cleanup

ENGLISH = """\
Talks in Baghdad

The spokesman condemned the reccklessness of the attacks on the embassy.

the minister said the talks would resume next week.

The delegation arrived in Baghdad,and met the prime minister.

Prime Minister al-Sudani met the leaders of Kataib Hezbollah in Anbar.

Crowds cheered 🎉 as the committe met in Erbil.

Violations of the truth between the armed factions were reported near the border.
"""
FRENCH = """\
---
title: Trêve
language: fr
---
Le ministre a annoncé une trêve entre les factions, selon un communiquée.
"""


@pytest.fixture
def server():
    replay = lt_replay.start()
    yield replay
    replay.shutdown()
    replay.server_close()


def run(inbox: Path, out: Path, grammar: GrammarSettings) -> dict:
    return cleanup(Settings(inbox, RULES, out, "en", "ar", decisions=None, grammar=grammar))


def records(out: Path) -> dict[str, dict]:
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def grammar_edits(record: dict) -> dict[str, dict]:
    return {e["before"]: e for e in record["edits"] if e["stage"] == "grammar"}


def test_matches_become_flags_and_allow_listed_fixes(server, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "talks.txt").write_text(ENGLISH, encoding="utf-8")
    report = run(inbox, tmp_path / "out", GrammarSettings("auto", url=server.url))
    record = records(tmp_path / "out")["talks"]
    found = grammar_edits(record)

    spelling = found["reccklessness"]  # allow-listed, one suggestion: fixed
    assert spelling["action"] == "fix" and spelling["after"] == "recklessness"
    assert spelling["rule"] == "grammar.languagetool.morfologik_rule_en_us"
    assert "MORFOLOGIK_RULE_EN_US" in spelling["message"] and "TYPOS" in spelling["message"]
    assert found[","]["action"] == "fix" and found[","]["after"] == ", "
    casing = found["the"]  # not allow-listed: a flag with the suggestion
    assert casing["action"] == "flag" and casing["after"] == "The"
    assert casing["rule"] == "grammar.languagetool.uppercase_sentence_start"
    # the offsets came in UTF-16 code units, after an emoji: the span is still the word
    typo = found["committe"]
    assert typo["action"] == "flag"  # two suggestions: not unambiguous
    raw = (inbox / "talks.txt").read_text(encoding="utf-8")
    assert raw[typo["start"] : typo["end"]] == "committe"
    # names from the gazetteer and the pack dictionary are not spelling errors
    assert not {"Sudani", "Kataib", "Anbar"} & set(found)
    assert "recklessness of the attacks" in record["text"] and "Baghdad, and met" in record["text"]

    # one request for the whole article, with the pack's language code and disabled checks
    (request,) = server.requests
    assert request["language"] == "en-US"
    assert {"TOO_LONG_SENTENCE", "SERIAL_COMMA_ON"} <= set(request["disabledRules"].split(","))
    assert "enabledOnly" not in request  # the pack lists the checks to run for Harper only
    assert report["grammar"]["languages"]["en"]["notice"] == "checked by languagetool"

    # the review page shows the checker's finding with its message
    page = (tmp_path / "out" / "review" / "articles" / "talks.html").read_text(encoding="utf-8")
    assert "grammar.languagetool.uppercase_sentence_start" in page
    assert "This sentence does not start with an uppercase letter." in page


def test_a_pack_that_lists_the_checks_to_run_gets_those_only(server, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    pack = rules / "en" / "grammar.yaml"
    only = ["MORFOLOGIK_RULE_EN_US", "WHITESPACE_RULE", "COMMA_PARENTHESIS_WHITESPACE"]
    only.append("DOUBLE_PUNCTUATION")  # every check the pack lets fix must run
    text = pack.read_text(encoding="utf-8")
    pack.write_text(
        text.replace("  enabled:\n", f"  enabled:\n    languagetool: [{', '.join(only)}]\n", 1),
        encoding="utf-8",
    )
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "talks.txt").write_text(ENGLISH, encoding="utf-8")
    grammar = GrammarSettings("auto", url=server.url)
    cleanup(Settings(inbox, rules, tmp_path / "out", "en", "ar", decisions=None, grammar=grammar))
    (request,) = server.requests
    assert request["enabledOnly"] == "true" and set(request["enabledRules"].split(",")) == set(only)
    found = grammar_edits(records(tmp_path / "out")["talks"])
    assert found["reccklessness"]["rule"] == "grammar.languagetool.morfologik_rule_en_us"
    assert found[","]["action"] == "fix"
    assert "the" not in found  # UPPERCASE_SENTENCE_START is not among them


def test_an_empty_response_changes_nothing(server, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "calm.txt").write_text("Calm\n\nThe committee met on Tuesday.\n", encoding="utf-8")
    report = run(inbox, tmp_path / "out", GrammarSettings("languagetool", url=server.url))
    assert len(server.requests) == 1
    assert not grammar_edits(records(tmp_path / "out")["calm"])
    assert report["grammar"]["failed"] == [] and report["warnings"] == []


def test_an_error_status_is_a_warning_and_the_article_is_checked_next_run(
    server, tmp_path: Path
) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    (inbox / "talks.txt").write_text(ENGLISH, encoding="utf-8")
    server.mode = "error"
    grammar = GrammarSettings("auto", url=server.url, retries=1)
    report = run(inbox, out, grammar)
    assert report["status"] == "partial" and report["articles"] == 1  # the run goes on
    (failure,) = report["grammar"]["failed"]
    assert failure["article"] == "talks" and "Internal Error" in failure["message"]
    record = records(out)["talks"]
    assert not grammar_edits(record)
    assert any(e["rule"] == "en.from-ar.truth-truce" for e in record["edits"])  # the rules ran
    assert len(server.requests) == 2  # tried again once

    server.mode = "ok"
    again = run(inbox, out, grammar)
    assert again["processed"] == 1 and again["grammar"]["failed"] == []
    assert again["status"] == "ok"
    assert "reccklessness" in grammar_edits(records(out)["talks"])


def test_a_server_slower_than_the_timeout_does_not_hang_the_run(server, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "talks.txt").write_text(ENGLISH, encoding="utf-8")
    server.mode, server.delay = "slow", 5.0
    report = run(
        inbox, tmp_path / "out", GrammarSettings("auto", url=server.url, timeout=0.5, retries=0)
    )
    (failure,) = report["grammar"]["failed"]
    assert "timed out" in failure["message"].lower()
    assert report["articles"] == 1 and records(tmp_path / "out")["talks"]["edits"]


def test_languages_are_mapped_and_unchecked_ones_are_said_once(server, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "talks.txt").write_text(ENGLISH, encoding="utf-8")
    (inbox / "treve.md").write_text(FRENCH, encoding="utf-8")
    run(inbox, tmp_path / "lt", GrammarSettings("auto", url=server.url))
    assert sorted(r["language"] for r in server.requests) == ["en-US", "fr"]
    french = grammar_edits(records(tmp_path / "lt")["treve"])
    assert french["communiquée"]["rule"] == "grammar.languagetool.fr_spelling_rule"
    assert french["communiquée"]["action"] == "flag"  # no French allow-list: a flag

    # nothing configured: Harper checks English, French is skipped with one notice
    report = run(inbox, tmp_path / "harper", GrammarSettings("auto"))
    notices = report["grammar"]["languages"]
    assert notices["en"]["notice"] == "checked by harper"
    assert notices["fr"] == {
        "articles": 1,
        "notice": "not checked: no LanguageTool server configured (--languagetool-url), "
        "and Harper checks English only",
    }
    assert not grammar_edits(records(tmp_path / "harper")["treve"])
    report = run(inbox, tmp_path / "none", GrammarSettings("languagetool"))
    assert report["grammar"]["languages"]["en"]["notice"].startswith("not checked")
    assert not any(
        e["stage"] == "grammar" for r in records(tmp_path / "none").values() for e in r["edits"]
    )


def test_a_dead_languagetool_server_makes_the_run_partial_and_says_so(tmp_path: Path) -> None:
    from conftest import free_port

    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    (inbox / "talks.txt").write_text(ENGLISH, encoding="utf-8")
    command = [sys.executable, "-m", "postedit.cli", "run", str(inbox), "-o", str(out)]
    command += ["-r", str(RULES), "--language=en", "--no-prefect"]
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done = subprocess.run(
        [*command, f"--languagetool-url={dead}"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 3, done.stderr
    assert "warning: grammar check failed for 1 article(s)" in done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "partial" and report["articles"] == 1
    assert report["grammar"]["failed"][0]["article"] == "talks"

    nothing = subprocess.run(
        [*command, "--grammar=languagetool"], capture_output=True, text=True, timeout=300
    )
    assert nothing.returncode == 2 and "no server is configured" in nothing.stderr

    off = subprocess.run([*command, "--grammar=off"], capture_output=True, text=True, timeout=300)
    assert off.returncode == 0 and "warning" not in off.stderr
