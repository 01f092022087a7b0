"""The postedit command: help, rules list/test, and a run that refuses a broken pack."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import RULES, SEEDS

from postedit.cli import main


def seed_run(output: Path) -> list[str]:
    """``postedit run`` on the seeds into ``output``, without Prefect."""
    return [
        "run",
        str(SEEDS),
        "-r",
        str(RULES),
        "-o",
        str(output),
        "--language",
        "en",
        "--source-language",
        "ar",
        "--no-prefect",
    ]


def test_help_lists_the_commands(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for word in ("run", "rules", "postedit turns machine-translated news"):
        assert word in out


def test_run_help_documents_outputs_and_exit_status(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "corpus.jsonl" in out and "--source-language" in out and "exit status" in out


def test_rules_list(capsys) -> None:
    assert main(["rules", "list", "--rules", str(RULES), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "en.from-ar.truth-truce" in {r["id"] for r in rows}


def test_rules_test_passes_on_the_packs(capsys) -> None:
    assert main(["rules", "test", "--rules", str(RULES)]) == 0
    assert "0 failed" in capsys.readouterr().out


def test_a_broken_pack_stops_the_run_with_file_and_rule(tmp_path: Path, capsys) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    pack = rules / "en" / "from-ar" / "confusions.yaml"
    pack.write_text(pack.read_text().replace("replace: truce", "replace: truce\n    bogus: 1"))
    code = main(
        ["run", str(SEEDS), "--rules", str(rules), "-o", str(tmp_path / "o"), "--no-prefect"]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert str(pack) in err and "en.from-ar.truth-truce" in err and "bogus" in err
    assert not (tmp_path / "o").exists()


def test_a_rule_whose_example_fails_fails_rules_test(tmp_path: Path, capsys) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    pack = rules / "en" / "from-ar" / "confusions.yaml"
    text = pack.read_text().replace(
        "      - keep: 'The truth is that",
        "      - keep: 'The factions agreed a truth. The truth is that",
    )
    pack.write_text(text)
    assert main(["rules", "test", "--rules", str(rules)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "en.from-ar.truth-truce" in out and str(pack) in out


def test_run_without_prefect_writes_the_corpus(tmp_path: Path, capsys) -> None:
    code = main(seed_run(tmp_path))
    assert code == 0
    assert len((tmp_path / "corpus.jsonl").read_text().splitlines()) == 5
    assert "5 articles in" in (out := capsys.readouterr().out) and "5 cleaned, 0 unchanged" in out


def test_dedup_thresholds_are_settings(tmp_path: Path, capsys) -> None:
    base = seed_run(tmp_path)
    assert main([*base, "--dedup", "bogus=1"]) == 2
    assert "unknown de-duplication setting 'bogus'" in capsys.readouterr().err
    assert main([*base, "--dedup", "related_passages=99"]) == 0
    assert not json.loads(
        (tmp_path / "clusters.json").read_text()
    )  # no story with 99 shared passages


def test_review_refuses_to_start_without_the_rules_the_corpus_was_cleaned_with(
    tmp_path: Path, capsys
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    out = tmp_path / "out"
    run = seed_run(out)
    run[run.index(str(RULES))] = str(rules)
    assert main(run) == 0
    shutil.rmtree(rules)  # moved away since: 'never in this context' would have nowhere to go
    capsys.readouterr()
    assert main(["review", "-o", str(out), "--port", "0"]) == 2
    assert f"rules folder not found: {rules}" in capsys.readouterr().err


def test_an_output_folder_inside_the_input_is_refused(tmp_path: Path, capsys) -> None:
    inbox = tmp_path / "in"
    shutil.copytree(SEEDS, inbox)
    run = seed_run(inbox / "corpus")
    run[run.index(str(SEEDS))] = str(inbox)
    assert main(run) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert not (inbox / "corpus").exists()


def test_an_output_that_cannot_be_written_is_one_line_not_a_traceback(
    tmp_path: Path, capsys
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder\n")
    assert main(seed_run(blocker / "out")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "Traceback" not in err
