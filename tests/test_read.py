"""Reading articles: formats, datelines, paragraphs, encodings, and bad files as errors."""

from __future__ import annotations

import codecs
from pathlib import Path

from conftest import SEEDS
from hypothesis import given
from hypothesis import strategies as st

from postedit.read import (
    ReadDefaults,
    ReadError,
    decode_bytes,
    list_inputs,
    parse_dateline,
    read_folder,
    split_paragraphs,
)


def read_all(folder: Path, **defaults):
    return list(read_folder(folder, ReadDefaults(**defaults)))


def by_id(items):
    return {a.id: a for a in items if not isinstance(a, ReadError)}


def test_seeds() -> None:
    articles = by_id(read_all(SEEDS, language="en"))
    assert sorted(articles) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    a002 = articles["002_886702d4e5dac6fe"]
    assert a002.date == "2024-06-20"
    assert a002.title.startswith("An “extraordinary” meeting of the armed factions")
    assert a002.raw[a002.title_span.start : a002.title_span.end] == a002.title
    first = a002.paragraphs[0]
    assert a002.raw[first.start : first.end].startswith(
        "An “extraordinary” meeting"
    )  # NBSP trimmed
    assert all(p.start >= a002.title_span.end for p in a002.paragraphs)
    # 001 and 003 have no blank lines: one paragraph per line
    a001 = articles["001_4fb25f17430b9f0d"]
    assert len(a001.paragraphs) == len(a001.raw.strip().split("\n")) - 1
    assert a001.language == "en" and a001.encoding == "utf-8" and not a001.warnings


def test_datelines() -> None:
    assert parse_dateline("Thursday, June 20, 2024") == "2024-06-20"
    assert parse_dateline("20 June 2024") == "2024-06-20"
    assert parse_dateline("2024-06-20") == "2024-06-20"
    assert parse_dateline("June 20, 2024: talks resume") is None
    assert parse_dateline("February 30, 2024") is None


def test_dateline_after_the_title(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title here\nJune 20, 2024\n\nBody one.\n\nBody two.\n")
    (article,) = read_all(tmp_path)
    assert article.title == "Title here" and article.date == "2024-06-20"
    assert [article.raw[p.start : p.end] for p in article.paragraphs] == ["Body one.", "Body two."]


def test_cp1256_arabic_is_detected(tmp_path: Path) -> None:
    arabic = "رئيس الوزراء محمد شياع السوداني يلتقي رئيس الوزراء الإسباني في بغداد"
    (tmp_path / "ar.txt").write_bytes(arabic.encode("cp1256"))
    (article,) = read_all(tmp_path)
    assert article.title == arabic and article.encoding == "cp1256"
    assert "cp1256" in article.warnings[0]


def test_latin1_and_utf16_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "l1.txt").write_bytes(
        "Café au lait\r\n\r\nLe président a parlé.\r\n".encode("latin-1")
    )
    (tmp_path / "u16.txt").write_bytes(codecs.BOM_UTF16_LE + "Title\n\nBody".encode("utf-16-le"))
    items = by_id(read_all(tmp_path))
    assert items["l1"].title == "Café au lait" and "\r" not in items["l1"].raw
    assert items["l1"].warnings and items["l1"].encoding == "cp1252"
    assert items["u16"].title == "Title" and "UTF-16" in items["u16"].warnings[0]


def test_undecodable_bytes_never_crash() -> None:
    text, _, warnings = decode_bytes(b"ok \x81\x8d\x8f\x90\x9d text")
    assert "ok" in text and warnings


def test_markdown_front_matter(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\nid: x1\ntitle: From front matter\ndate: 2024-01-25\nlanguage: en\n"
        "source_language: ar\nurl: https://example.org/a\nextra: 1\n---\nFirst para.\n\nSecond.\n"
    )
    (tmp_path / "bad.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    (tmp_path / "open.md").write_text("---\ntitle: x\nbody without end\n")
    items = read_all(tmp_path)
    good = by_id(items)["x1"]
    assert good.title == "From front matter" and good.title_span is None
    assert good.date == "2024-01-25" and good.source_language == "ar" and good.meta == {"extra": 1}
    assert [good.raw[p.start : p.end] for p in good.paragraphs] == ["First para.", "Second."]
    errors = {e.source: e.message for e in items if isinstance(e, ReadError)}
    assert "invalid YAML front matter" in errors["bad.md"]
    assert "no closing" in errors["open.md"]


def test_jsonl_bad_line_among_good_ones(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl").write_text(
        '{"id": "j1", "title": "T1", "text": "Body one."}\n'
        "{not json\n"
        '{"text": "Headline\\n\\nBody two."}\n'
        '{"id": "j4", "text": ""}\n'
    )
    items = read_all(tmp_path)
    good = by_id(items)
    assert sorted(good) == ["feed-3", "j1"]
    assert good["feed-3"].title == "Headline"
    errors = {e.source: e.message for e in items if isinstance(e, ReadError)}
    assert "not valid JSON" in errors["feed.jsonl:2"]
    assert "empty 'text'" in errors["feed.jsonl:4"]


def test_empty_binary_and_odd_names(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n\t\n")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (tmp_path / "name with spaces $(rm -rf) é.txt").write_text("Title\n\nBody.")
    (tmp_path / ".hidden.txt").write_text("Hidden\n\nBody.")
    (tmp_path / "notes.csv").write_text("a,b")
    (tmp_path / "loop").symlink_to(tmp_path)  # a symlink loop is not followed
    items = read_all(tmp_path)
    errors = {e.source: e.message for e in items if isinstance(e, ReadError)}
    assert errors == {"bin.txt": "binary file, not text", "empty.txt": "empty article"}
    assert list(by_id(items)) == ["name with spaces $(rm -rf) é"]


def test_unreadable_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing")
    (tmp_path / "ok.txt").write_text("T\n\nB")
    items = read_all(tmp_path)
    assert [type(i).__name__ for i in items] == ["ReadError", "Article"]
    assert "cannot read" in items[0].message


def test_inputs_are_sorted_by_relative_path(tmp_path: Path) -> None:
    for name in ("b.txt", "a/z.txt", "a.md", "c.jsonl"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in list_inputs(tmp_path)] == [
        "a.md",
        "a/z.txt",
        "b.txt",
        "c.jsonl",
    ]


@given(st.text(alphabet="ab \n\t\u00a0.", max_size=80))
def test_paragraph_spans_are_ordered_trimmed_and_inside(text: str) -> None:
    spans = split_paragraphs(text)
    last = 0
    for span in spans:
        assert last <= span.start < span.end <= len(text)
        chunk = text[span.start : span.end]
        assert chunk == chunk.strip("\n \t\u00a0")
        last = span.end
