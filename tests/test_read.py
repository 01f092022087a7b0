"""Reading articles: formats, datelines, paragraphs, encodings, and bad files as errors."""

from __future__ import annotations

import codecs
import hashlib
import os
import random
import re
from pathlib import Path

import pytest
from conftest import SEEDS
from hypothesis import given
from hypothesis import strategies as st

from postedit.model import Article
from postedit.read import (
    Found,
    ReadDefaults,
    ReadError,
    decode_bytes,
    input_name,
    list_inputs,
    make_article,
    parse_dateline,
    read_file,
    read_folder,
    split_paragraphs,
)

ENDS = "\n \t\u00a0"


def read_all(folder: Path, **defaults) -> list[Article | ReadError]:
    return list(read_folder(folder, ReadDefaults(**defaults)))


def by_id(items) -> dict[str, Article]:
    return {a.id: a for a in items if isinstance(a, Article)}


def errors(items) -> dict[str, str]:
    return {e.source: e.message for e in items if isinstance(e, ReadError)}


def texts(article: Article) -> list[str]:
    return [article.raw[p.start : p.end] for p in article.paragraphs]


def read_one(tmp_path: Path, name: str, content: str | bytes, **defaults) -> Article | ReadError:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    (item,) = read_file(path, tmp_path, ReadDefaults(**defaults))
    return item


# --- the seeds -----------------------------------------------------------------------------------

SEED_PARAGRAPHS = {
    "000_115896091037aa73": 16,
    "001_4fb25f17430b9f0d": 23,
    "002_886702d4e5dac6fe": 16,
    "003_9f568ec73e71a5e3": 20,
    "004_1d7b1556ae453f1b": 33,
}


def test_seeds_are_read_with_title_paragraphs_and_metadata() -> None:
    items = read_all(SEEDS, language="en", source_language="ar")
    articles = by_id(items)
    assert not errors(items)
    assert {k: len(a.paragraphs) for k, a in articles.items()} == SEED_PARAGRAPHS
    for stem, article in articles.items():
        data = (SEEDS / f"{stem}.txt").read_bytes()
        assert article.source == f"{stem}.txt" and article.raw == data.decode("utf-8")
        assert article.raw_sha256 == hashlib.sha256(data).hexdigest()
        assert (article.encoding, article.warnings) == ("utf-8", ())
        assert (article.language, article.source_language) == ("en", "ar")
        title = article.title_span
        assert title is not None and article.raw[title.start : title.end] == article.title
        assert article.paragraphs[0].start >= title.end  # the title is not a paragraph
        for para in texts(article):
            assert para and para == para.strip(ENDS)


def test_seed_with_a_dateline_before_the_title() -> None:
    article = by_id(read_all(SEEDS))["002_886702d4e5dac6fe"]
    assert article.date == "2024-06-20"
    assert article.title == (
        "An “extraordinary” meeting of the armed factions in Iraq regarding the American"
        " presence.. What about the truce?, 20 JUNE"
    )
    first = article.paragraphs[0]
    assert article.raw[first.start - 1] == "\u00a0"  # the NBSP before it is not in the span
    assert texts(article)[0].startswith("An “extraordinary” meeting")
    assert texts(article)[-2:] == ["No comments:", "Post a Comment"]
    assert "Thursday" not in "".join(texts(article)) + article.title


def test_seeds_without_blank_lines_have_one_paragraph_per_line() -> None:
    articles = by_id(read_all(SEEDS))
    for stem in ("001_4fb25f17430b9f0d", "003_9f568ec73e71a5e3"):
        article = articles[stem]
        lines = article.raw.split("\n")
        assert article.title == lines[0] and texts(article) == lines[1:]
        assert article.date is None


WIRE = """\
The central bank said it would keep its main lending rate
unchanged at 7.5 pct after a meeting of its board on Tuesday,
citing the slower growth of the money supply in January.
    The decision had been expected by most dealers, who said the
bank wanted to see the February figures before it moved.
    Money supply grew 0.4 pct in January after 1.1 pct in
December, the bank said.
    Reuter
"""


def paragraph_texts_of(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_paragraphs(text)]


def test_hard_wrapped_text_is_read_as_its_paragraphs() -> None:
    paragraphs = paragraph_texts_of(WIRE)
    assert [p.split()[0] for p in paragraphs] == ["The", "The", "Money", "Reuter"]
    assert paragraphs[0].count("\n") == 2  # the text is what it was: the breaks stay
    # a line that stops short in mid-sentence goes on in the next (a dateline was cut off)
    cut = "Shares of the company\nrose sharply on Monday after the board said it had agreed\n"
    cut += "to a merger with its largest rival in the region.\n    Reuter\n"
    assert [p.split()[0] for p in paragraph_texts_of(cut)] == ["Shares", "Reuter"]
    # or ended in an abbreviation
    cut = cut.replace("Shares of the company", "Sugar imports subject to the U.S.")
    assert [p.split()[0] for p in paragraph_texts_of(cut)] == ["Sugar", "Reuter"]


def test_wrapped_paragraphs_marked_by_indents_are_read_so_before_a_blank_line_too() -> None:
    # a wire story often ends in a blank line and its signature: its indented paragraphs are
    # still paragraphs (they were one block, and their indents were "fixed" to a space)
    story = WIRE.replace("    Reuter", "\n Reuter")
    paragraphs = paragraph_texts_of(story)
    assert paragraphs == paragraph_texts_of(WIRE)
    assert [p.split()[0] for p in paragraphs] == ["The", "The", "Money", "Reuter"]
    # a short first line (its dateline cut off) still runs on: only an indent begins a paragraph
    cut = story.replace(
        "The central bank said it would keep its main lending rate\n",
        "The central bank\nsaid it would keep its main lending rate\n",
    )
    assert [p.split()[0] for p in paragraph_texts_of(cut)] == ["The", "The", "Money", "Reuter"]


@pytest.mark.parametrize(
    "block",
    [
        # a table set with spaces: its headings and rows are seen as a table only together
        "The department gave the imports of sugar in the quota year to\n"
        "date, in short tons, and the quota of each country as follows:\n"
        "            CUMULATIVE     QUOTA 1987\n"
        "              IMPORTS     ALLOCATIONS\n"
        " ARGENTINA        nil          39,130\n"
        " AUSTRALIA        nil          75,530\n",
        # not wrapped prose: an address, a list whose items go on on indented lines
        "Ministry of Water Resources\n    Palestine Street\n    Baghdad\n",
        "- close the crossings at night and check every lorry that\n"
        "  comes from the west before it reaches the city\n"
        "- open two new posts in the desert west of the city of Rutba\n",
    ],
)
def test_other_blocks_with_indented_lines_stay_whole(block: str) -> None:
    text = f"{block}\nThe ministry gave no date.\n"
    assert paragraph_texts_of(text) == [block.strip(ENDS), "The ministry gave no date."]


@pytest.mark.parametrize(
    "text",
    [
        # headlines of even length, one per line: capitalised, nothing runs on
        "Iraq and Turkey agree to resume oil exports via Ceyhan\n"
        "Parliament passes the federal budget after long delays\n"
        "Baghdad hosts regional talks on water and electricity\n",
        # one paragraph per line, as scraped pages often are: lines longer than a wrap width
        "The prime minister met the delegation in Baghdad on Sunday and discussed the border, "
        "the water of the Tigris and the return of the displaced to their towns in the north.\n"
        "officials said the talks would resume next week in Erbil, where the regional "
        "government has its seat, after the holiday that ends on Thursday evening.\n"
        "The delegation left for Ankara on Monday morning.\n",
    ],
)
def test_lines_that_are_not_wrapped_prose_stay_one_paragraph_each(text: str) -> None:
    lines = [line for line in text.split("\n") if line.strip()]
    assert paragraph_texts_of(text) == lines


def test_tables_and_lists_in_wrapped_text_are_not_run_into_its_prose() -> None:
    text = (
        "The department reported the average prices of grain in the\n"
        "week to February 25 as follows, in dollars a bushel and for\n"
        "Wheat    2.55    2.40    4.65    4.65    4.65\n"
        "Corn     1.35    1.92    3.15    3.15    3.15\n"
        "The ministry listed the measures it would take in the coming\n"
        "- close the crossings at night and check every lorry that\n"
        "- open two new posts in the desert west of the city of Rutba\n"
    )
    lines = text.splitlines()
    assert paragraph_texts_of(text) == [f"{lines[0]}\n{lines[1]}", *lines[2:]]


def test_seed_paragraphs_are_the_blocks_between_blank_lines() -> None:
    article = by_id(read_all(SEEDS))["000_115896091037aa73"]
    blocks = [b.strip(ENDS) for b in re.split(r"\n[ \t\u00a0]*\n", article.raw) if b.strip()]
    assert blocks[0].startswith(article.title + "\n")
    assert texts(article) == ["Statements and Initiatives", *blocks[1:]]


# --- datelines and titles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("Thursday, June 20, 2024", "2024-06-20"),
        ("June 20, 2024", "2024-06-20"),
        ("Jun. 20 2024", "2024-06-20"),
        ("20 June 2024", "2024-06-20"),
        ("Thursday 20th June, 2024", "2024-06-20"),
        ("2024-06-20", "2024-06-20"),
        ("Thu, 2024-6-20", "2024-06-20"),
        ("\u00a0 June 20, 2024 ", "2024-06-20"),
        ("June 20, 2024: talks resume", None),
        ("What about the truce?, 20 JUNE", None),
        ("February 30, 2024", None),
        ("2024-13-01", None),
        ("Juneteenth 20, 2024", None),
        ("Thursday", None),
    ],
)
def test_parse_dateline(line: str, iso: str | None) -> None:
    assert parse_dateline(line) == iso


def test_dateline_after_the_title(tmp_path: Path) -> None:
    article = read_one(tmp_path, "a.txt", "Title here\n  June 20, 2024\n\nBody one.\n\nBody two.\n")
    assert article.title == "Title here" and article.date == "2024-06-20"
    assert texts(article) == ["Body one.", "Body two."]


def test_title_span_excludes_surrounding_white_space(tmp_path: Path) -> None:
    article = read_one(tmp_path, "a.txt", "\n \u00a0\tThe title \t\nOne.\nTwo.")
    assert article.title == "The title" and article.title_span.start == 4
    assert texts(article) == ["One.", "Two."]


def test_a_lone_dateline_is_the_title_and_a_title_alone_is_an_article(tmp_path: Path) -> None:
    lone = read_one(tmp_path, "a.txt", "June 20, 2024\n")
    assert (lone.title, lone.date, lone.paragraphs) == ("June 20, 2024", None, ())
    title_only = read_one(tmp_path, "b.txt", "Just a headline\n\n")
    assert title_only.title == "Just a headline" and title_only.paragraphs == ()


# --- decoding ------------------------------------------------------------------------------------

ARABIC = "رئيس الوزراء محمد شياع السوداني يلتقي رئيس الوزراء الإسباني في بغداد"
ARABIC_BODY = "أكد السوداني أن الحكومة العراقية تتجه نحو إنهاء وجود التحالف الدولي."


def test_cp1256_arabic_is_detected(tmp_path: Path) -> None:
    data = f"{ARABIC}\r\n\r\n{ARABIC_BODY}\r\n".encode("cp1256")
    article = read_one(tmp_path, "ar.txt", data)
    assert article.title == ARABIC and texts(article) == [ARABIC_BODY]
    assert article.encoding == "cp1256" and "\r" not in article.raw
    assert article.warnings == ("not valid UTF-8 (byte 0): decoded as cp1256 (detected)",)
    assert article.raw_sha256 == hashlib.sha256(article.raw.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    "text",
    ["بغداد", "Al-Sudani (السوداني) said the talks would start", "قال: «نعم» ؟ 2024"],
)
def test_short_and_mixed_cp1256_is_detected(text: str) -> None:
    assert decode_bytes(text.encode("cp1256"))[:2] == (text, "cp1256")


@pytest.mark.parametrize(
    "text",
    [
        "Café au lait: le président a parlé à l'été",
        "Grüße aus München, schön und größer, Straße",
        "El señor está aquí, niño, acción, ¿ qué ?",
        "He said “hello” – it’s fine… €5",
    ],
)
def test_western_single_byte_text_is_cp1252_not_arabic(text: str) -> None:
    decoded, encoding, warnings = decode_bytes(text.encode("cp1252"))
    assert (decoded, encoding) == (text, "cp1252")
    assert len(warnings) == 1 and warnings[0].endswith(": decoded as cp1252 (guessed)")


def test_latin1_file(tmp_path: Path) -> None:
    article = read_one(
        tmp_path, "l1.txt", "Café au lait\r\n\r\nLe président a parlé.\r\n".encode("latin-1")
    )
    assert article.title == "Café au lait" and texts(article) == ["Le président a parlé."]
    assert article.encoding == "cp1252" and "cp1252" in article.warnings[0]


def test_cyrillic_is_not_taken_for_arabic() -> None:
    text = "Премьер-министр Ирака встретился с премьер-министром Испании в Багдаде"
    assert decode_bytes(text.encode("cp1251"))[:2] == (text, "cp1251")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    article = read_one(tmp_path, "u16.txt", bom + "Tïtle\r\n\r\nBody\r\n".encode(codec))
    assert article.title == "Tïtle" and texts(article) == ["Body"]
    assert article.encoding == "utf-16"
    assert article.warnings == ("decoded as utf-16 (BOM), not UTF-8",)


def test_utf8_bom_is_not_part_of_the_text(tmp_path: Path) -> None:
    article = read_one(tmp_path, "bom.txt", codecs.BOM_UTF8 + b"Title\n\nBody")
    assert article.raw == "Title\n\nBody" and article.title_span.start == 0
    assert (article.encoding, article.warnings) == ("utf-8", ())


def test_newlines_are_normalised_before_spans_are_taken(tmp_path: Path) -> None:
    article = read_one(tmp_path, "crlf.txt", b"Title\r\n\r\nOne\r\ntwo\r\rThree\r\n")
    assert article.raw == "Title\n\nOne\ntwo\n\nThree\n"
    assert texts(article) == ["One\ntwo", "Three"]


def test_utf8_with_a_stray_cp1252_byte_keeps_the_utf8() -> None:
    data = "It’s “fine” — Baghdad".encode() + b" caf\xe9 " + "ok’".encode()
    text, encoding, warnings = decode_bytes(data)
    assert text == "It’s “fine” — Baghdad café ok’" and encoding == "utf-8"
    assert "1 invalid sequence(s) decoded as cp1252" in warnings[0]


def test_nul_bytes_in_text_are_kept(tmp_path: Path) -> None:
    article = read_one(tmp_path, "nul.txt", b"Title\n\nBody with a \x00 in it.\n")
    assert texts(article) == ["Body with a \x00 in it."]


@given(st.binary(max_size=300))
def test_decoding_never_raises_and_leaves_no_carriage_returns(data: bytes) -> None:
    text, encoding, warnings = decode_bytes(data)
    assert "\r" not in text and encoding
    assert isinstance(warnings, tuple)


@given(st.text(max_size=200))
def test_utf8_round_trips_with_normalised_newlines(text: str) -> None:
    expected = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    assert decode_bytes(text.encode("utf-8")) == (expected, "utf-8", ())


# --- markdown ------------------------------------------------------------------------------------


def test_markdown_front_matter(tmp_path: Path) -> None:
    article = read_one(
        tmp_path,
        "a.md",
        "---\nid: x1\ntitle: From front matter\ndate: 2024-01-25\nlanguage: en\n"
        "source_language: ar\nurl: https://example.org/a\nextra: 1\n---\nFirst para.\n\nSecond.\n",
        language="fr",
    )
    assert (article.id, article.title, article.title_span) == ("x1", "From front matter", None)
    assert (article.date, article.language, article.source_language) == ("2024-01-25", "en", "ar")
    assert article.url == "https://example.org/a" and article.meta == {"extra": 1}
    assert article.raw == "First para.\n\nSecond.\n" and article.source == "a.md"
    assert texts(article) == ["First para.", "Second."]


def test_markdown_without_a_title_takes_the_first_body_line(tmp_path: Path) -> None:
    article = read_one(tmp_path, "b.md", "---\ndate: June 20, 2024\n---\n\n# Headline\n\nBody.\n")
    assert article.id == "b" and article.title == "# Headline" and article.date == "2024-06-20"
    assert article.raw[article.title_span.start : article.title_span.end] == "# Headline"
    assert texts(article) == ["Body."]


def test_markdown_without_front_matter_is_read_like_text(tmp_path: Path) -> None:
    article = read_one(tmp_path, "c.md", "-----\nTitle\n\nBody.")
    assert article.title == "-----" and texts(article) == ["Title", "Body."]
    plain = read_one(tmp_path, "d.md", "Title\n20 June 2024\n\nBody.")
    assert (plain.title, plain.date, texts(plain)) == ("Title", "2024-06-20", ["Body."])


def test_markdown_front_matter_with_only_a_title(tmp_path: Path) -> None:
    article = read_one(tmp_path, "t.md", "---\ntitle: Only a title\n---\n")
    assert article.title == "Only a title" and article.raw == "" and article.paragraphs == ()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "---\ntitle: a: b\n---\nbody\n",
            "invalid YAML front matter: mapping values are not allowed here (line 2)",
        ),
        ("---\ntitle: [unclosed\n---\nbody\n", "invalid YAML front matter: "),
        ("---\n- a\n- b\n---\nbody\n", "front matter is not a mapping of keys to values"),
        ("---\ntitle: x\nbody without end\n", "front matter has no closing '---' line"),
        ("---\ntitle: [a, b]\n---\nbody\n", "front matter: 'title' must be a string, not list"),
        ("---\nid: x\n---\n  \n", "empty article"),
    ],
)
def test_bad_markdown_is_an_error_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "sub").mkdir()
    error = read_one(tmp_path, "sub/bad.md", content)
    assert isinstance(error, ReadError) and error.source == "sub/bad.md"
    assert error.message.startswith(message)


# --- jsonl ---------------------------------------------------------------------------------------


def test_jsonl_bad_lines_among_good_ones(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl").write_text(
        '{"id": "j1", "title": "T1", "text": "Body one.", "date": "2024-06-20", "tag": "x"}\n'
        "{not json\n"
        "\n"
        '{"text": "Headline\\r\\n\\r\\nBody two.", "language": "en"}\n'
        '{"id": "j5", "text": "  "}\n'
        '["a list"]\n'
        '{"id": "j7"}\n'
        '{"id": "j8", "text": "T", "url": {"not": "a string"}}\n'
    )
    items = read_all(tmp_path, language="fr")
    good = by_id(items)
    assert sorted(good) == ["feed-4", "j1"]
    j1, feed4 = good["j1"], good["feed-4"]
    assert (j1.title, j1.title_span, j1.date, j1.meta) == ("T1", None, "2024-06-20", {"tag": "x"})
    assert texts(j1) == ["Body one."] and j1.source == "feed.jsonl:1" and j1.language == "fr"
    assert feed4.raw == "Headline\n\nBody two." and feed4.title == "Headline"
    assert texts(feed4) == ["Body two."] and feed4.language == "en"
    assert feed4.source == "feed.jsonl:4"
    assert errors(items) == {
        "feed.jsonl:2": "line 2: not valid JSON: Expecting property name enclosed in double"
        " quotes (column 2)",
        "feed.jsonl:5": "line 5: empty article",
        "feed.jsonl:6": "line 6: a line must be a JSON object, not list",
        "feed.jsonl:7": "line 7: no 'text' string",
        "feed.jsonl:8": "line 8: 'url' must be a string, not dict",
    }


def test_empty_jsonl_file(tmp_path: Path) -> None:
    assert read_one(tmp_path, "e.jsonl", "\n  \n") == ReadError("e.jsonl", "empty article")


# --- bad files, names, order ---------------------------------------------------------------------


def test_empty_and_binary_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.md").write_text("  \n\t\n\u00a0\n")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    noise = random.Random(0).randbytes(4096)
    (tmp_path / "noise.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise)
    assert errors(read_all(tmp_path)) == {
        "bin.txt": "binary file, not text",
        "blank.md": "empty article",
        "empty.txt": "empty article",
        "noise.txt": "binary file, not text",
    }


def test_unreadable_files_are_errors_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing")
    (tmp_path / "ok.txt").write_text("T\n\nB")
    (tmp_path / "dir.txt").mkdir()
    items = read_all(tmp_path)
    assert [type(i).__name__ for i in items] == ["ReadError", "Article"]
    assert items[0].source == "gone.txt" and items[0].message.startswith("cannot read file: ")
    (error,) = read_file(tmp_path / "dir.txt", tmp_path)
    assert error.message == "not a regular file (a pipe, device or folder)"


def test_file_without_permission(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("T\n\nB")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: the file stays readable")
        assert read_file(path, tmp_path) == [
            ReadError("secret.txt", "cannot read file: Permission denied")
        ]
    finally:
        path.chmod(0o644)


def test_read_folder_streams_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A\n\nBody")
    (tmp_path / "b.txt").write_text("B\n\nBody")
    stream = read_folder(tmp_path)
    assert next(stream).id == "a"
    (tmp_path / "b.txt").unlink()  # after listing, before reading
    assert next(stream) == ReadError("b.txt", "cannot read file: No such file or directory")


def test_odd_file_names(tmp_path: Path) -> None:
    for name in ("name with spaces $(rm -rf) é.txt", "خبر عاجل.md", "UPPER.TXT"):
        (tmp_path / name).write_text("Title\n\nBody.")
    articles = by_id(read_all(tmp_path))
    assert sorted(articles) == ["UPPER", "name with spaces $(rm -rf) é", "خبر عاجل"]
    assert articles["خبر عاجل"].source == "خبر عاجل.md"


def test_inputs_are_sorted_by_relative_path_and_hidden_ones_skipped(tmp_path: Path) -> None:
    for name in (
        "b.txt",
        "a/z.txt",
        "a.md",
        "c.jsonl",
        "a/b/deep.txt",
        ".hidden.txt",
        ".git/x.txt",
        "a/.cache/y.md",
        "notes.csv",
        "dir.txt/inner.txt",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)  # a link back up is not followed
    found = [p.relative_to(tmp_path).as_posix() for p in list_inputs(tmp_path)]
    assert found == ["a.md", "a/b/deep.txt", "a/z.txt", "b.txt", "c.jsonl", "dir.txt/inner.txt"]


@pytest.mark.parametrize(
    ("folder", "path"),
    [
        ("in", "in/a.txt"),
        ("in", "in/sub/b.md"),
        ("/abs/in", "/abs/in/x/y.jsonl"),
        (".", "a.txt"),  # the folder's text is no prefix of the path's: told by its parts
        ("/", "/a.txt"),
    ],
)
def test_an_input_is_named_by_its_path_in_the_folder(folder: str, path: str) -> None:
    want = Path(path).relative_to(Path(folder)).as_posix()
    assert input_name(Path(path), Path(folder)) == want


def test_a_path_outside_the_folder_has_no_name_in_it() -> None:
    with pytest.raises(ValueError):
        input_name(Path("in-2/a.txt"), Path("in"))  # the folder's name is a prefix of its text


# --- properties ----------------------------------------------------------------------------------

PARAGRAPHY = st.text(alphabet=st.sampled_from("ab \n\n\t\u00a0.\u3000"), max_size=120)


def check_spans(text: str, spans, start: int, end: int) -> None:
    last = start
    for span in spans:
        assert last <= span.start < span.end <= end  # inside, ordered, non-overlapping, non-empty
        chunk = text[span.start : span.end]
        assert chunk == chunk.strip(ENDS)
        last = span.end
    covered = set().union(*(range(s.start, s.end) for s in spans)) if spans else set()
    assert all(i in covered for i in range(start, end) if text[i] not in ENDS)  # nothing lost


@given(st.one_of(PARAGRAPHY, st.text(max_size=120)))
def test_paragraph_spans_are_ordered_trimmed_inside_and_lose_nothing(text: str) -> None:
    check_spans(text, split_paragraphs(text), 0, len(text))


@given(PARAGRAPHY, st.integers(0, 120), st.integers(0, 120))
def test_paragraph_spans_of_a_slice_stay_in_the_slice(text: str, a: int, b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    check_spans(text, split_paragraphs(text, start, end), start, end)


@given(PARAGRAPHY)
def test_blank_lines_separate_paragraphs(text: str) -> None:
    for span in split_paragraphs(text):
        assert not re.search(r"\n[ \t\u00a0]*\n", text[span.start : span.end])


@given(st.text(alphabet=st.sampled_from("ab \n\t\u00a0.2"), min_size=1, max_size=80))
def test_title_and_paragraphs_never_overlap(raw: str) -> None:
    found = Found("x.txt", "x", "utf-8", (), ReadDefaults())
    article = make_article(raw, found, {})
    spans = [article.title_span] if article.title_span else []
    check_spans(raw, spans + list(article.paragraphs), 0, len(raw))
    assert article.title == (raw[spans[0].start : spans[0].end] if spans else "")
