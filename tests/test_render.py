"""Rendering from the Edit records: cleaned text, diffs that GNU patch applies, corpus records."""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
import tempfile
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postedit.model import Article, Edit, Span
from postedit.render import (
    article_diff,
    article_file_text,
    clean_paragraphs,
    clean_segment,
    clean_text,
    clean_title,
    corpus_record,
    load_schema,
    safe_name,
    to_json_line,
    unified_diff,
)

SCHEMA = load_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
KEYS = [
    "id",
    "title",
    "date",
    "language",
    "source_language",
    "text",
    "source",
    "url",
    "raw_sha256",
    "clean_sha256",
    "encoding",
    "warnings",
    "edits",
    "cluster",
    "detected_language",
    "language_confidence",
    "entities",
    "machine_translation",
]


def patch(folder: Path, old: str, diff: str) -> str:
    """Apply ``diff`` to ``old`` with GNU patch (no fuzz) and return the result, byte-exact."""
    (folder / "old.txt").write_bytes(old.encode("utf-8"))
    (folder / "p.diff").write_bytes(diff.encode("utf-8"))
    out = folder / "out.txt"
    options = ["-s", "-f", "-F", "0", "--no-backup-if-mismatch", "-r", str(folder / "rej")]
    subprocess.run(
        ["patch", *options, "-o", str(out), str(folder / "old.txt"), str(folder / "p.diff")],
        check=True,
        capture_output=True,
    )
    return out.read_bytes().decode("utf-8")


def round_trip(folder: Path, old: str, new: str, context: int = 3) -> str:
    return patch(folder, old, unified_diff(old, new, "a/old.txt", "b/new.txt", context))


def make(raw: str, paragraphs, title_span=None, edits=(), **kw) -> Article:
    return Article(
        id=kw.pop("id", "a1"),
        source=kw.pop("source", "in/a1.txt"),
        raw=raw,
        raw_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        title=kw.pop("title", "Title"),
        paragraphs=tuple(Span(s, e) for s, e in paragraphs),
        title_span=Span(*title_span) if title_span else None,
        edits=tuple(edits),
        **kw,
    )


RAW = "A truth  here\n\nThe truth was signed.\n\n   \n\nLine one\nline two.  \n"
#      0         1         2         3         4         5         6
#      0123456789012345678901234567890123456789012345678901234567890123456


def sample(edits=None) -> Article:
    if edits is None:
        edits = [
            Edit("en.from-ar.truth-truce", "fix", 2, 7, "truth", "truce", "m", 0.9),
            Edit("repair.whitespace", "fix", 7, 9, "  ", " ", "m", 1.0, "repair"),
            Edit("en.from-ar.truth-truce", "fix", 19, 24, "truth", "truce", "m", 0.9),
            Edit("en.style.signed", "flag", 29, 35, "signed", "agreed", "check", 0.4),
        ]
    return make(RAW, [(15, 36), (38, 41), (43, len(RAW))], title_span=(0, 13), edits=edits)


# --- cleaned text --------------------------------------------------------------------------------


def test_cleaned_text_applies_fixes_not_flags() -> None:
    article = sample()
    assert clean_title(article) == "A truce here"
    assert clean_segment(article, Span(15, 36)) == "The truce was signed."
    # the blank paragraph is dropped; the newline inside a paragraph is kept as it is
    assert clean_paragraphs(article) == ["The truce was signed.", "Line one\nline two."]
    assert clean_text(article) == "The truce was signed.\n\nLine one\nline two."
    assert article_file_text(article) == (
        "A truce here\n\nThe truce was signed.\n\nLine one\nline two.\n"
    )


def test_title_from_metadata_and_article_without_body() -> None:
    article = make("  \n\n", [(0, 2)], title="  Gaza\ntalks  resume ")
    assert clean_title(article) == "Gaza talks resume"  # metadata title: kept on one line
    assert clean_text(article) == ""
    assert article_file_text(article) == "Gaza talks resume\n"


# --- unified_diff and GNU patch ------------------------------------------------------------------

LONG_OLD = "".join(f"line {i}\n" for i in range(1, 21))
LONG_NEW = LONG_OLD.replace("line 2\n", "LINE 2\n").replace("line 17\n", "line 17a\nline 17b\n")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("a\nb\nc", "a\nB\nc\n"),  # old lacks the final newline
        ("a\nb\nc\n", "a\nb\nC"),  # new lacks it
        ("a\nb\nc", "a\nB\nc"),  # neither has it: the last line is unchanged context
        ("x", "y"),
        ("a\nb\n", "a\nb"),  # only the trailing newline differs
        ("a\nb", "a\nb\n"),
        ("", "new text\n"),  # empty old
        ("", "no newline"),
        ("", "\n"),
        ("old text\n", ""),  # empty new
        ("old", ""),
        ("\n", ""),
        ("\n\n\n", "\n"),
        ("é truth — ٢٠٢٤\n", "é truce — ٢٠٢٤\n"),  # unicode
        ("Gaza\u2028truth\nend\n", "Gaza\u2028truce\nend\n"),  # line separators patch ignores
        ("a\rb\x0cc\x85d\nz", "a\rb\x0cC\x85d\nz"),
        ("crlf\r\nline\r\n", "crlf\r\nLINE\r\n"),
        ("--- a\n+++ b\n@@ -1 +1 @@\n", "--- a\n+++ c\n@@ -1 +1 @@\n"),  # diff-like content
        (LONG_OLD, LONG_NEW),  # two hunks
        (LONG_OLD, LONG_NEW.rstrip("\n")),
    ],
)
def test_patch_reproduces_the_new_text(tmp_path: Path, old: str, new: str) -> None:
    assert round_trip(tmp_path, old, new) == new


@pytest.mark.parametrize("context", [0, 1, 5])
def test_patch_with_other_context_sizes(tmp_path: Path, context: int) -> None:
    assert round_trip(tmp_path, LONG_OLD, LONG_NEW.rstrip("\n"), context) == LONG_NEW.rstrip("\n")


def test_diff_format() -> None:
    assert unified_diff("same\n", "same\n", "a/x", "b/x") == ""
    assert unified_diff("a", "b", "a/x", "b/x") == (
        "--- a/x\n+++ b/x\n@@ -1 +1 @@\n"
        "-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"
    )
    assert unified_diff("", "a\n", "a/x", "b/x") == "--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+a\n"
    assert unified_diff("a\nb\n", "", "a/x", "b/x") == "--- a/x\n+++ b/x\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    assert "No newline" not in unified_diff("a\nb\n", "a\nc\n", "a/x", "b/x")
    # a file name cannot break the header
    assert unified_diff("a", "b", "a/x\ny", "b/x")[:16] == "--- a/x?y\n+++ b/"


PIECES = ["a", "b", "truth", "truce", "", " ", "é—٢", "x\r", "\u2028", "\x0c"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=10),
    st.lists(st.sampled_from(PIECES), max_size=10),
    st.booleans(),
    st.booleans(),
    st.integers(0, 3),
)
def test_patch_round_trip_property(old_lines, new_lines, old_nl, new_nl, context) -> None:
    old = "\n".join(old_lines) + ("\n" if old_nl and old_lines else "")
    new = "\n".join(new_lines) + ("\n" if new_nl and new_lines else "")
    if old == new:
        assert unified_diff(old, new, "a/o", "b/n", context) == ""
        return
    with tempfile.TemporaryDirectory() as folder:
        assert round_trip(Path(folder), old, new, context) == new


def test_article_diff_turns_the_raw_text_into_the_article_file(tmp_path: Path) -> None:
    article = sample()
    diff = article_diff(article)
    assert diff.startswith("--- a/in/a1.txt\n+++ b/articles/a1.txt\n")
    assert patch(tmp_path, article.raw, diff) == article_file_text(article)
    hostile = make(RAW, [(15, 36)], title_span=(0, 13), id="../up/and away")
    # the header names the file as written, under its safe name
    assert f"\n+++ b/articles/{safe_name(hostile.id)}.txt\n" in article_diff(hostile)
    assert "/../" not in article_diff(hostile)


# --- corpus records ------------------------------------------------------------------------------


def test_corpus_record_contract() -> None:
    article = sample()
    record = corpus_record(article)
    assert list(record) == KEYS
    assert record["title"] == "A truce here"
    assert record["text"] == clean_text(article)
    assert record["clean_sha256"] == hashlib.sha256(record["text"].encode("utf-8")).hexdigest()
    assert record["raw_sha256"] == article.raw_sha256
    assert record["cluster"] == {"id": "a1", "role": "canonical", "of": None, "score": None}
    assert [(e["start"], e["rule"]) for e in record["edits"]] == [
        (2, "en.from-ar.truth-truce"),
        (7, "repair.whitespace"),
        (19, "en.from-ar.truth-truce"),
        (29, "en.style.signed"),
    ]
    VALIDATOR.validate(record)


def test_edits_are_sorted_whatever_order_the_stages_made_them_in() -> None:
    edits = list(sample().edits)
    assert corpus_record(sample(edits[::-1])) == corpus_record(sample(edits))
    same_span = [
        Edit("z.rule", "flag", 2, 7, "truth", "x", "m", 0.5),
        Edit("a.rule", "flag", 2, 7, "truth", "y", "m", 0.5),
    ]
    rules = [e["rule"] for e in corpus_record(sample(same_span))["edits"]]
    assert rules == ["a.rule", "z.rule"]


def test_corpus_record_with_a_cluster_and_metadata() -> None:
    article = make(
        "Body.",
        [(0, 5)],
        title="T",
        date="2024-05-03",
        language="en",
        source_language="ar",
        url="https://example.org/a",
        warnings=("decoded as cp1256",),
        encoding="cp1256",
    )
    cluster = {"id": "a0", "role": "duplicate", "of": "a0", "score": 97.5}
    record = corpus_record(article, cluster)
    assert record["cluster"] == cluster and record["cluster"] is not cluster
    assert record["warnings"] == ["decoded as cp1256"] and record["date"] == "2024-05-03"
    VALIDATOR.validate(record)


def test_schema_is_documented() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] and SCHEMA["title"] and SCHEMA["additionalProperties"] is False
    assert list(SCHEMA["properties"]) == KEYS
    assert SCHEMA["required"] == KEYS[:-4]  # the keys added since corpus-record-2 are optional
    edit = SCHEMA["properties"]["edits"]["items"]
    cluster = SCHEMA["properties"]["cluster"]
    mention = SCHEMA["properties"]["entities"]["items"]
    assert edit["additionalProperties"] is False and cluster["additionalProperties"] is False
    assert mention["additionalProperties"] is False
    props_of = (SCHEMA["properties"], edit["properties"], cluster["properties"])
    for props in (*props_of, mention["properties"]):
        assert all(p.get("description") for p in props.values())


def _with_edit(record: dict, **change) -> dict:
    return {**record, "edits": [{**record["edits"][0], **change}]}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: {**r, "extra": 1},
        lambda r: {k: v for k, v in r.items() if k != "url"},
        lambda r: {**r, "id": ""},
        lambda r: {**r, "date": 20240503},
        lambda r: {**r, "clean_sha256": "ABC"},
        lambda r: _with_edit(r, action="maybe"),
        lambda r: _with_edit(r, start=-1),
        lambda r: _with_edit(r, confidence=1.5),
        lambda r: _with_edit(r, rule="Bad Rule"),
        lambda r: _with_edit(r, extra="x"),
        lambda r: {**r, "cluster": {**r["cluster"], "role": "twin"}},
        lambda r: {**r, "cluster": {**r["cluster"], "note": "x"}},
        lambda r: {**r, "warnings": [1]},
    ],
)
def test_schema_rejects_invalid_records(mutate) -> None:
    record = corpus_record(sample())
    assert not list(VALIDATOR.iter_errors(record))
    assert list(VALIDATOR.iter_errors(mutate(record)))


def test_json_lines_are_deterministic() -> None:
    record = corpus_record(sample())
    line = to_json_line(record)
    assert line == to_json_line(corpus_record(sample()))
    assert line == to_json_line(json.loads(line))
    assert line.endswith("}\n") and line.count("\n") == 1  # newlines in the text are escaped
    assert line.startswith('{"id":"a1","title":"A truce here","date":null,')
    unicode = to_json_line(corpus_record(make("é — ٢٠٢٤", [(0, 8)])))
    assert '"text":"é — ٢٠٢٤"' in unicode


@st.composite
def articles_with_edits(draw) -> Article:
    """Any text, split in paragraphs, with non-overlapping fixes and flags anywhere in it."""
    raw = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=8, unique=True)))
    edits, last = [], 0
    for a, b in itertools.pairwise([0, *cuts, len(raw)]):
        if a < last or not draw(st.booleans()):
            continue
        action = draw(st.sampled_from(["fix", "flag"]))
        after = draw(st.text(max_size=10))
        edits.append(Edit("en.any-rule", action, a, b, raw[a:b], after, "why", 0.5))
        last = b
    return make(raw, [(0, len(raw))], edits=edits, title=draw(st.text(max_size=20)))


@settings(max_examples=150, deadline=None)
@given(articles_with_edits(), st.sampled_from(["canonical", "duplicate", "related"]))
def test_any_record_round_trips_through_json_and_the_schema(article: Article, role: str) -> None:
    cluster = {"id": "a1", "role": role, "of": None if role == "canonical" else "a0", "score": None}
    record = corpus_record(article, cluster)
    again = json.loads(to_json_line(record))
    assert again == record
    VALIDATOR.validate(again)
    # the offsets index the raw text: each edit's before is the raw text at its span
    for edit in again["edits"]:
        assert 0 <= edit["start"] <= edit["end"] <= len(article.raw)
        assert article.raw[edit["start"] : edit["end"]] == edit["before"]


@given(st.text() | st.none() | st.integers())
def test_index_values_are_escaped_as_markupsafe_escapes_them(value: object) -> None:
    from markupsafe import escape

    from postedit.review import _escaped

    assert _escaped(value) == str(escape(value))


def test_an_index_row_shows_hostile_values_as_text() -> None:
    from postedit.review import index_rows

    record = {
        "id": 'a"1',
        "title": "<script>alert('x')</script> & co",
        "language": "en",
        "source": "feeds/<b>/x.txt",
        "date": None,
        "tags": ["t&t"],
        "cluster": {"id": 'a"1', "role": "canonical", "of": None},
        "counts": {"fix": 2, "flag": 1, "reviewed": 1},
    }
    row = str(index_rows([record])['a"1'])
    assert "<script>" not in row
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in row
    assert 'data-story="a&#34;1"' in row and 'data-tags="t&amp;t"' in row
    assert "<td>&lt;b&gt;</td>" in row  # the outlet, from the file's folder
    assert '<td class="reviewed">1 of 3</td>' in row
