"""Rendering from edits (diffs that patch accepts, corpus records) and atomic writing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_render import KEYS

from postedit import write
from postedit.model import Article, Edit, Span
from postedit.render import corpus_record, load_schema, to_json_line, unified_diff
from postedit.write import atomic_write_text, safe_name, write_corpus

VALIDATOR = jsonschema.Draft202012Validator(load_schema())


def patched(tmp_path: Path, old: str, new: str) -> str:
    (tmp_path / "old.txt").write_text(old, encoding="utf-8", newline="")
    (tmp_path / "p.diff").write_text(unified_diff(old, new, "a/old.txt", "b/new.txt"), newline="")
    out = tmp_path / "out.txt"
    subprocess.run(
        ["patch", "-s", "-o", str(out), str(tmp_path / "old.txt"), str(tmp_path / "p.diff")],
        check=True,
    )
    return out.read_bytes().decode("utf-8") if out.exists() else old


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb\nc", "a\nB\nc\n"),
        ("a\nb\nc\n", "a\nb\nc"),
        ("x", "y"),
        ("one\n", "one\ntwo"),
        ("é truth\n", "é truce\n"),
        ("", "new text\n"),
        ("l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\n", "l1\nL2\nl3\nl4\nl5\nl6\nl7\nL8\nl9"),
    ],
)
def test_patch_accepts_the_diff(tmp_path: Path, old: str, new: str) -> None:
    assert patched(tmp_path, old, new) == new


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", "truth", ""]), max_size=8),
    st.lists(st.sampled_from(["a", "b", "truce", ""]), max_size=8),
    st.booleans(),
    st.booleans(),
)
def test_patch_round_trip(tmp_path_factory, old_lines, new_lines, old_nl, new_nl) -> None:
    old = "\n".join(old_lines) + ("\n" if old_nl and old_lines else "")
    new = "\n".join(new_lines) + ("\n" if new_nl and new_lines else "")
    if old == new or not old:
        return
    assert patched(tmp_path_factory.mktemp("p"), old, new) == new


def article(raw: str = "Title\n\nA truth here.", edits=()) -> Article:
    return Article(
        id="a1",
        source="a1.txt",
        raw=raw,
        raw_sha256="0" * 64,
        title="Title",
        paragraphs=(Span(7, len(raw)),),
        title_span=Span(0, 5),
        edits=tuple(edits),
    )


def test_corpus_record_follows_the_schema() -> None:
    edit = Edit("en.from-ar.truth-truce", "fix", 9, 14, "truth", "truce", "m", 0.95)
    record = corpus_record(article(edits=[edit]))
    VALIDATOR.validate(record)
    assert record["text"] == "A truce here." and record["title"] == "Title"
    assert list(record) == KEYS  # the contract order
    assert to_json_line(record) == to_json_line(json.loads(to_json_line(record)))


def test_schema_rejects_bad_records() -> None:
    record = corpus_record(article())
    assert not list(VALIDATOR.iter_errors(record))
    assert list(VALIDATOR.iter_errors({**record, "extra": 1}))
    bad_edit = {**Edit("x", "fix", 0, 1, "T", "t", "m", 1.0).to_dict(), "action": "maybe"}
    assert list(VALIDATOR.iter_errors({**record, "edits": [bad_edit]}))


def test_safe_names() -> None:
    assert safe_name("002_886702d4e5dac6fe") == "002_886702d4e5dac6fe"
    for hostile in ("../x", "a/b", "", "..", ".", "名前", "a b"):
        name = safe_name(hostile)
        assert name and "/" not in name and not name.startswith(".") and name not in (".", "..")
    assert safe_name("a/b") != safe_name("a_b")


def test_atomic_write_keeps_the_old_file_when_it_fails(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_write_corpus_order_staleness_and_unchanged_files(tmp_path: Path, monkeypatch) -> None:
    order: list[str] = []  # files in the order they are put in place
    real = os.replace

    def record(src: str, dst: str | Path) -> None:
        order.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(write.os, "replace", record)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "gone.txt").write_text("stale")
    counts = write_corpus(tmp_path, [article()], {"status": "ok"})
    assert order[-2:] == ["corpus.jsonl", "report.json"]
    assert not (tmp_path / "articles" / "gone.txt").exists() and counts["removed"] == 1
    mtime = (tmp_path / "articles" / "a1.txt").stat().st_mtime_ns
    counts = write_corpus(tmp_path, [article()], {"status": "ok"})
    assert counts["written"] == 0 and counts["unchanged"] == 3
    assert (tmp_path / "articles" / "a1.txt").stat().st_mtime_ns == mtime
