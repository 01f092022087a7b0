"""Writing the corpus: atomic files, safe names, unchanged files left alone, report.json last."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from postedit import write
from postedit.model import Article, Edit, Span
from postedit.render import article_diff, article_file_text, load_schema
from postedit.write import atomic_write_json, atomic_write_text, safe_name, write_corpus

VALIDATOR = jsonschema.Draft202012Validator(load_schema())
OLD_NS = 1_000_000_000_000_000_000  # an mtime far in the past, set by hand


def article(id: str, body: str = "A truth here.", fix: bool = True) -> Article:
    raw = f"Title {id}\n\n{body}\n"
    start = raw.index(body)
    edits = ()
    if fix and "truth" in body:
        at = raw.index("truth")
        edits = (Edit("en.from-ar.truth-truce", "fix", at, at + 5, "truth", "truce", "m", 0.9),)
    return Article(
        id=id,
        source=f"in/{id}.txt",
        raw=raw,
        raw_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        title=f"Title {id}",
        paragraphs=(Span(start, start + len(body)),),
        title_span=Span(0, len(f"Title {id}")),
        edits=edits,
    )


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# --- atomic writing ------------------------------------------------------------------------------


def test_atomic_write_text_writes_exact_bytes(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "f.txt"
    atomic_write_text(target, "é\r\nline\rend")  # parents created, nothing translated
    assert target.read_bytes() == "é\r\nline\rend".encode()
    atomic_write_text(target, "")
    assert target.read_bytes() == b""
    assert files(tmp_path) == ["new/dir/f.txt"]


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
def test_atomic_write_keeps_the_old_file_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert files(tmp_path) == ["f.txt"]  # no temp file left behind


def test_atomic_write_text_writes_all_of_a_text_the_system_takes_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: write(fd, bytes(data[:3])))
    atomic_write_text(tmp_path / "f.txt", "a text written three bytes at a time: é")
    assert (tmp_path / "f.txt").read_text(encoding="utf-8").endswith("at a time: é")


def test_atomic_write_json_format(tmp_path: Path) -> None:
    atomic_write_json(tmp_path / "r.json", {"b": 1, "a": ["é"]})
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == (
        '{\n  "a": [\n    "é"\n  ],\n  "b": 1\n}\n'
    )


# --- safe names ----------------------------------------------------------------------------------

HOSTILE = ["../x", "a/b", "a_b", "a b", "a\\b", "", ".", "..", "...", ".hidden", "名前", "x\n", "/"]
SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def test_safe_names(tmp_path: Path) -> None:
    assert safe_name("002_886702d4e5dac6fe") == "002_886702d4e5dac6fe"
    assert safe_name("Reuters-2024.05.03") == "Reuters-2024.05.03"
    names = [safe_name(h) for h in HOSTILE]
    assert len(set(names)) == len(HOSTILE)  # "a/b", "a_b" and "a b" stay apart
    for name in names:
        assert SAFE.fullmatch(name) and name not in (".", "..")
        (tmp_path / f"{name}.txt").write_text("x")
    assert len(files(tmp_path)) == len(HOSTILE)  # all inside the folder, none collided
    assert len(safe_name("x" * 1000)) < 200


@given(st.text(max_size=40))
def test_safe_name_property(article_id: str) -> None:
    name = safe_name(article_id)
    assert SAFE.fullmatch(name) and len(name) <= 131
    assert (name == article_id) == bool(SAFE.fullmatch(article_id) and len(article_id) <= 120)


# --- write_corpus --------------------------------------------------------------------------------


def test_write_corpus_layout(tmp_path: Path) -> None:
    arts = [article("b2"), article("a1"), article("c3", "Nothing to fix.")]
    write_corpus(tmp_path, arts, {"status": "ok"})
    assert files(tmp_path) == [
        "articles/a1.txt",
        "articles/b2.txt",
        "articles/c3.txt",
        "corpus.dedup.jsonl",
        "corpus.jsonl",
        "diffs/a1.diff",
        "diffs/b2.diff",
        "diffs/c3.diff",
        "report.json",
        "review/articles/a1.html",
        "review/articles/b2.html",
        "review/articles/c3.html",
        "review/boilerplate.html",
        "review/index-date.html",
        "review/index-fixes.html",
        "review/index-flags.html",
        "review/index-pending.html",
        "review/index-story.html",
        "review/index.html",
    ]
    lines = (tmp_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ["a1", "b2", "c3"]  # sorted by id
    for record in records:
        VALIDATOR.validate(record)
    assert records[0]["text"] == "A truce here."
    assert (tmp_path / "diffs" / "c3.diff").read_bytes() == b""  # nothing changed: empty diff
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "ok"
    assert report["outputs"] == {"written": 9, "unchanged": 0, "removed": 0}
    assert report["timings"]["write"] >= 0
    for a in arts:
        assert (tmp_path / "articles" / f"{a.id}.txt").read_text("utf-8") == article_file_text(a)
        assert (tmp_path / "diffs" / f"{a.id}.diff").read_text("utf-8") == article_diff(a)


def test_written_diff_applies_to_the_raw_text(tmp_path: Path) -> None:
    a = article("a1")
    write_corpus(tmp_path / "out", [a], {})
    (tmp_path / "raw.txt").write_text(a.raw, encoding="utf-8")
    diff = tmp_path / "out" / "diffs" / "a1.diff"
    subprocess.run(
        [
            "patch",
            "-s",
            "-F",
            "0",
            "-o",
            str(tmp_path / "patched.txt"),
            str(tmp_path / "raw.txt"),
            diff,
        ],
        check=True,
    )
    written = (tmp_path / "out" / "articles" / "a1.txt").read_bytes()
    assert (tmp_path / "patched.txt").read_bytes() == written


def test_hostile_ids_stay_inside_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_corpus(out, [article("../../evil"), article("a/b"), article("..")], {})
    assert not (tmp_path / "evil.txt").exists() and sorted(os.listdir(tmp_path)) == ["out"]
    assert len(list((out / "articles").iterdir())) == 3
    ids = [json.loads(line)["id"] for line in (out / "corpus.jsonl").open(encoding="utf-8")]
    assert ids == ["..", "../../evil", "a/b"]  # the records keep the real ids


def test_duplicate_file_names_are_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same id"):
        write_corpus(tmp_path, [article("a1"), article("a1", "Other.")], {})
    assert files(tmp_path) == []


def test_clusters_go_into_the_records(tmp_path: Path) -> None:
    clusters = {"b2": {"id": "a1", "role": "duplicate", "of": "a1", "score": 98.0}}
    write_corpus(tmp_path, [article("a1"), article("b2")], {}, clusters)
    corpus = [json.loads(x) for x in (tmp_path / "corpus.jsonl").read_text("utf-8").splitlines()]
    assert corpus[1]["cluster"] == clusters["b2"]
    assert corpus[0]["cluster"] == {"id": "a1", "role": "canonical", "of": None, "score": None}
    kept = (tmp_path / "corpus.dedup.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x)["id"] for x in kept] == ["a1"]


def test_stale_files_are_removed(tmp_path: Path) -> None:
    write_corpus(tmp_path, [article("a1"), article("gone")], {})
    (tmp_path / "articles" / "notes.md").write_text("not ours")
    (tmp_path / "diffs" / ".tmp-crashed.diff").write_text("left by a killed run")
    (tmp_path / "review" / ".tmp-4242-7.html").write_text("an index page cut by a kill")
    (tmp_path / ".tmp-4242-8.jsonl").write_text("a corpus cut by a kill")
    counts = write_corpus(tmp_path, [article("a1")], {})
    assert counts == {"written": 0, "unchanged": 3, "removed": 4}
    assert sorted(os.listdir(tmp_path / "articles")) == ["a1.txt", "notes.md"]
    assert os.listdir(tmp_path / "diffs") == ["a1.diff"]
    assert not list(tmp_path.rglob(".tmp-*"))  # wherever a killed run left them


def test_unchanged_files_keep_their_mtime(tmp_path: Path) -> None:
    arts = [article("a1"), article("b2")]
    assert write_corpus(tmp_path, arts, {"n": 1}) == {"written": 6, "unchanged": 0, "removed": 0}
    for path in tmp_path.rglob("*.*"):
        os.utime(path, ns=(OLD_NS, OLD_NS))
    changed = [arts[0], article("b2", "Another truth.")]
    counts = write_corpus(tmp_path, changed, {"n": 1})
    assert counts == {"written": 3, "unchanged": 3, "removed": 0}
    moved = sorted(
        p.relative_to(tmp_path).as_posix()
        for p in tmp_path.rglob("*.*")
        if p.stat().st_mtime_ns != OLD_NS
    )
    assert moved == [
        "articles/b2.txt",
        "corpus.dedup.jsonl",
        "corpus.jsonl",
        "diffs/b2.diff",
        "report.json",  # it records the run's timings
        "review/articles/b2.html",  # the index lists the same counts: left alone
    ]


@pytest.mark.parametrize(
    ("before", "after", "replaced"),
    [
        ("x" * 3000 + "same", "x" * 3000 + "same", False),
        ("x" * 3000 + "same", "x" * 3000 + "diff", True),  # one size, other bytes at the end
        ("diff" + "x" * 3000, "same" + "x" * 3000, True),
        ("short", "longer text", True),
        ("longer text", "short", True),
    ],
)
def test_a_streamed_file_is_replaced_only_if_its_bytes_differ(
    tmp_path: Path, before: str, after: str, replaced: bool
) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text(before, encoding="utf-8")
    os.utime(path, ns=(OLD_NS, OLD_NS))
    pieces = [after[k : k + 1000] for k in range(0, len(after), 1000)]
    assert write.write_streamed(path, pieces, batch=1000) is replaced
    assert path.read_text(encoding="utf-8") == after
    assert (path.stat().st_mtime_ns != OLD_NS) is replaced
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.jsonl"]  # no temporary file left


def test_corpus_after_the_article_files_and_report_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []  # files in the order they are put in place
    real = os.replace

    def recording(src: str, dst: str | Path) -> None:
        order.append(Path(dst).relative_to(tmp_path).as_posix())
        real(src, dst)

    monkeypatch.setattr(write.os, "replace", recording)
    write_corpus(tmp_path, [article("b2"), article("a1")], {"run": 1}, None, {"stories": []}, {})
    assert order[:2] == ["articles/a1.txt", "diffs/a1.diff"]
    assert order.index("articles/b2.txt") < order.index("corpus.dedup.jsonl")
    assert order.index("corpus.jsonl") > order.index("corpus.dedup.jsonl") > 3
    assert order[-1] == "report.json" and len(order) == len(set(order)) == 18
    order.clear()
    write_corpus(tmp_path, [article("b2"), article("a1")], {"run": 2}, None, {"stories": []}, {})
    assert order == ["report.json"]


def test_a_failed_run_leaves_the_previous_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(tmp_path, [article("a1")], {"run": 1})
    before = {p: (tmp_path / p).read_bytes() for p in ("corpus.jsonl", "report.json")}
    real = os.replace

    def dies_on_corpus(src: str, dst: str | Path) -> None:
        if Path(dst).name == "corpus.jsonl":
            raise OSError("killed")
        real(src, dst)

    monkeypatch.setattr(write.os, "replace", dies_on_corpus)
    with pytest.raises(OSError):
        write_corpus(tmp_path, [article("a1"), article("b2")], {"run": 2})
    assert {p: (tmp_path / p).read_bytes() for p in before} == before
    assert not [p for p in files(tmp_path) if ".tmp-" in p]


def test_an_article_that_cannot_be_written_is_an_error_and_the_others_are_written(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    good = article("b2")
    broken = replace(good, raw=good.raw.replace("Title", "Titl\ud800"))  # cannot be UTF-8
    report: dict = {"articles": 3, "failed": 0, "errors": [], "status": "ok"}
    write_corpus(tmp_path, [article("a1"), broken, article("c3")], report)
    ids = [json.loads(line)["id"] for line in (tmp_path / "corpus.jsonl").read_text().splitlines()]
    assert ids == ["a1", "c3"]
    assert report["status"] == "partial" and report["failed"] == 1 and report["articles"] == 2
    (error,) = report["errors"]
    assert error["source"] == "b2" and "cannot write the cleaned article" in error["message"]
    assert json.loads((tmp_path / "report.json").read_text())["errors"] == [error]


def test_page_parts_made_once_a_story_are_each_members_own() -> None:
    """`write._Pages` makes every member's part of a story at once and keeps it: each is what
    `page_story` gives the member alone, an article outside the members included."""
    from postedit.review import page_story

    def passage(a: str, b: str, k: int) -> dict:
        return {"a": a, "b": b, "a_paragraph": k, "b_paragraph": k, "a_span": [0, 3],
                "b_span": [0, 3], "score": 99.0}  # fmt: skip

    story = {
        "members": [{"id": i, "role": r} for i, r in (("c", "canonical"), ("d", "duplicate"),
                                                      ("e", "related"), ("f", "duplicate"))],
        "links": [{"a": "c", "b": "d"}, {"a": "c", "b": "e"}, {"a": "e", "b": "f"}],
        "passages": [passage("c", "d", 0), passage("c", "e", 1), passage("e", "f", 2),
                     passage("e", "f", 3)],
    }  # fmt: skip
    pages = write._Pages({"s": story, "t": {**story, "members": story["members"][:2]}})
    for story_id in ("s", "t", "s"):
        for member in ("c", "d", "e", "f", "x"):
            held, shown = pages.of(story_id, member)
            assert shown == page_story(member, held)
    assert pages.of("s", "e")[1]["linked"] == [("c", "canonical"), ("f", "duplicate")]
    assert pages.of("none", "c") == (None, None)
