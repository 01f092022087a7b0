"""Reading: a folder of ``.txt``, ``.md`` (YAML front matter) and ``.jsonl`` files into Articles.

Reading never raises for a bad file: a file or line that cannot be read becomes a `ReadError`
that names it and says what is wrong, and every other article is still read. What the articles'
metadata holds is checked here, at the edge, into JSON-safe values (`json_safe`), so nothing
later has to wonder what a field may hold. Only files inside the input folder are read: a link
that leads out of it is an error.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import os
import re
import stat
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .jsonio import parse
from .langid import MIN_CONFIDENCE, detect
from .model import Article, Span
from .repair import visible
from .yamlload import MetaLoader

SUFFIXES = (".txt", ".md", ".jsonl")
META_KEYS = ("id", "title", "date", "url", "language", "source_language")
_ENDS = "\n \t\u00a0"  # what paragraph and title spans never start or end with
_INDENTS = " \t\u00a0"  # what an indented line begins with


@dataclass(frozen=True, slots=True)
class ReadError:
    """A file (or one ``.jsonl`` line: ``source`` ends in ``:LINE``) that gave no article."""

    source: str
    message: str


@dataclass(frozen=True, slots=True)
class ReadDefaults:
    """Languages for articles whose file does not say."""

    language: str | None = None
    source_language: str | None = None


# --- files ---------------------------------------------------------------------------------------


MAX_ARTICLE_BYTES = int(float(os.environ.get("POSTEDIT_MAX_ARTICLE_MB", "10")) * 2**20)


def list_inputs(folder: Path) -> list[Path]:
    """Article files under ``folder``, sorted by relative posix path. Hidden files and folders are
    skipped, and links to folders are not followed (so a link loop cannot trap the walk)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found += [
            Path(dirpath, name)
            for name in filenames
            if not name.startswith(".") and name.lower().endswith(SUFFIXES)
        ]
    return sorted(found, key=lambda p: input_name(p, folder))


def input_name(path: Path, folder: Path) -> str:
    """``path``'s name in ``folder``, as a posix path: ``path.relative_to(folder).as_posix()``,
    by slicing the text where it begins with the folder's (a run names thousands of files)."""
    prefix, text = os.path.join(folder, ""), os.fspath(path)
    if not text.startswith(prefix) or len(text) == len(prefix):
        return path.relative_to(folder).as_posix()
    name = text[len(prefix) :]
    return name if os.sep == "/" else name.replace(os.sep, "/")


def read_folder(
    folder: Path, defaults: ReadDefaults = ReadDefaults()
) -> Iterator[Article | ReadError]:
    """Articles and errors, file by file, in `list_inputs` order."""
    for path in list_inputs(folder):
        yield from read_file(path, folder, defaults)


def read_file(
    path: Path, folder: Path, defaults: ReadDefaults = ReadDefaults()
) -> list[Article | ReadError]:
    """The articles in one file (several for ``.jsonl``), or the errors that stop them. Never
    raises: whatever goes wrong with one file is an error naming it."""
    source = input_name(path, folder)
    try:
        return _read_file(path, folder, source, defaults)
    except Exception as exc:  # a bad file never stops the run, whatever it trips
        return [ReadError(source, f"cannot read: {type(exc).__name__}: {exc}"[:500])]


def _read_file(
    path: Path, folder: Path, source: str, defaults: ReadDefaults
) -> list[Article | ReadError]:
    try:
        if path.is_symlink() and not _inside(path, folder):
            return [ReadError(source, "a link to a file outside the input folder: not read")]
        info = path.stat()  # follows links: a link loop fails here, a FIFO is not a file
        if not stat.S_ISREG(info.st_mode):
            return [ReadError(source, "not a regular file (a pipe, device or folder)")]
        if info.st_size > MAX_ARTICLE_BYTES and path.suffix.lower() != ".jsonl":
            return [ReadError(source, _too_large(info.st_size))]
        data = path.read_bytes()
    except OSError as exc:
        return [ReadError(source, f"cannot read file: {exc.strerror or exc}")]
    if is_binary(data):
        return [ReadError(source, "binary file, not text")]
    text, encoding, warnings = decode_bytes(data)
    found = Found(source, path.stem, encoding, warnings, defaults)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return parse_jsonl(text, found)
    if not visible(text):
        return [ReadError(source, "empty article")]
    return [parse_markdown(text, found) if suffix == ".md" else make_article(text, found, {})]


SETTLED_NS = 2_000_000_000  # a file whose status changed this recently may change again unseen


def stat_key(
    path: Path,
    folder: Path,
    defaults: ReadDefaults = ReadDefaults(),
    now_ns: int | None = None,
    name: str | None = None,  # the path's name in ``folder``, if known
) -> str | None:
    """What the file system says of ``path`` (size, times, inode), its name in ``folder`` and
    the defaults: while it is the same, the file holds the bytes it held (any write changes
    its change time, which no program can set back). None for a file whose status changed in
    the last ``SETTLED_NS`` (a write within the clock's resolution could go unseen), and where
    `file_key` is None."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    now_ns = time.time_ns() if now_ns is None else now_ns
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ARTICLE_BYTES:
        return None
    if now_ns - max(info.st_ctime_ns, info.st_mtime_ns) < SETTLED_NS:
        return None
    fields = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
    name = input_name(path, folder) if name is None else name
    text = repr((name, fields, _text_of(defaults)))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@functools.lru_cache(maxsize=8)
def _text_of(defaults: ReadDefaults) -> str:
    return repr(defaults)


def file_key(path: Path, folder: Path, defaults: ReadDefaults = ReadDefaults()) -> str | None:
    """A hash of all `read_file` reads of ``path``: its name in ``folder``, its bytes and the
    defaults. None where reading it is more than reading its bytes (a link, not a regular file,
    too large, unreadable): `read_file` then says what is wrong."""
    try:
        if path.is_symlink():
            return None
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ARTICLE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    digest = hashlib.blake2b(digest_size=16)
    for part in (input_name(path, folder).encode(), repr(defaults).encode(), data):
        digest.update(len(part).to_bytes(8, "little") + part)
    return digest.hexdigest()


def _inside(path: Path, folder: Path) -> bool:
    """Does ``path``, its links followed, lie inside ``folder``? (realpath, unlike
    Path.resolve, does not raise on a link loop: reading it then says what is wrong.)"""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, root]) == root


def _too_large(size: int) -> str:
    return (
        f"article too large: {size / 2**20:.1f} MiB, over the {MAX_ARTICLE_BYTES // 2**20} MiB "
        "limit for one article (POSTEDIT_MAX_ARTICLE_MB)"
    )


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object written by an earlier run, or {} if there is none (or it is unreadable)."""
    try:
        data = parse(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- decoding ------------------------------------------------------------------------------------

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b") + b"\x7f"


def is_binary(data: bytes) -> bool:
    """NUL bytes in the first 8 KiB, and control bytes more than a tenth of them (not UTF-16)."""
    head = data[:8192]
    if b"\x00" not in head or head.startswith(_UTF16_BOMS):
        return False
    return len(head) - len(head.translate(None, _CONTROLS)) > 0.1 * len(head)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_SEPARATORS = re.compile("[\u2028\u2029\u0085]")
_SEPARATOR_AS = {"\u2028": "\n", "\u2029": "\n\n", "\u0085": "\n"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def normalise_separators(text: str) -> str:
    """Unicode's line and paragraph separators (U+2028, U+2029, NEL) as the newlines they mean:
    every tool after the reader splits lines on ``\\n`` alone."""
    return _SEPARATORS.sub(lambda m: _SEPARATOR_AS[m.group()], text)


def scrub(text: str) -> tuple[str, bool]:
    """``text`` with lone surrogates (which JSON's ``\\ud800`` escapes can give, and UTF-8
    cannot encode) replaced by U+FFFD; True if there were any."""
    if not _SURROGATE.search(text):
        return text, False
    fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return fixed, True


def decode_bytes(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    """``(text, encoding, warnings)``: UTF-8 (BOM stripped), UTF-16 with a BOM, else detected.

    Never raises. Newlines in the text are normalised to ``\\n``; NUL bytes are kept.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
            return normalise_newlines(text), "utf-16", ("decoded as utf-16 (BOM), not UTF-8",)
        except UnicodeDecodeError:
            pass  # an odd number of bytes, say: detect below
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return normalise_newlines(data.decode("utf-8")), "utf-8", ()
    except UnicodeDecodeError as exc:
        bad = f"not valid UTF-8 (byte {exc.start})"
    try:
        text, encoding, how = _decode_detected(data)
        return normalise_newlines(text), encoding, (f"{bad}: {how}",)
    except Exception:  # a detector failure must not lose the article
        text = data.decode("utf-8", errors="replace")
        return normalise_newlines(text), "utf-8", (f"{bad}: undecodable bytes replaced",)


def _bytes_as_cp1252(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the bytes that are not UTF-8 as cp1252 (or latin-1, where undefined)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in bad), exc.end


codecs.register_error("postedit-cp1252", _bytes_as_cp1252)


STRAY_BYTES = 0.01  # at most this share of invalid bytes: stray ones, in UTF-8 or ASCII text


def _decode_detected(data: bytes) -> tuple[str, str, str]:
    """``(text, encoding, how)`` for bytes that are not valid UTF-8, tried in order: UTF-8 with a
    few stray single-byte characters, Arabic windows-1256, another non-Latin script that
    charset-normalizer is sure of, else windows-1252 or latin-1 (which decodes anything)."""
    replaced = data.decode("utf-8", errors="replace")
    invalid = replaced.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = sum(ord(c) > 127 for c in replaced) - invalid
    # valid UTF-8 around them, or a few stray bytes in ASCII text (Latin, not Arabic: Arabic in a
    # single-byte encoding is mostly high bytes)
    if multibyte >= 2 * invalid or invalid <= STRAY_BYTES * len(data):
        text = data.decode("utf-8", errors="postedit-cp1252")
        return text, "utf-8", f"{invalid} invalid sequence(s) decoded as cp1252, the rest as utf-8"
    arabic = data.decode("cp1256")
    if _looks_arabic(arabic):
        return arabic, "cp1256", "decoded as cp1256 (detected)"
    if guess := _sure_guess(data):
        return guess[0], guess[1], f"decoded as {guess[1]} (detected)"
    try:
        return data.decode("cp1252"), "cp1252", "decoded as cp1252 (guessed)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", "decoded as latin-1 (guessed)"


def _is_arabic_letter(c: str) -> bool:
    return c.isalpha() and ("\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff")


def _looks_arabic(text: str) -> bool:
    """True if ``text`` (bytes read as cp1256) has Arabic words. Other single-byte encodings read
    as cp1256 give Arabic letters too, but inside words of Latin letters."""
    pure = mixed = 0
    for word in text.split():
        arabic = sum(_is_arabic_letter(c) for c in word)
        if arabic and any(c.isalpha() and not _is_arabic_letter(c) for c in word):
            mixed += arabic
        else:
            pure += arabic
    return pure >= 2 and pure > 3 * mixed


def _sure_guess(data: bytes) -> tuple[str, str] | None:
    """``(text, encoding)`` if charset-normalizer recognised a language in a non-Latin script.
    (Imported here: only a file that is not UTF-8 needs it, and it takes longer to import than
    most runs that add a few articles spend reading them.)"""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.coherence < 0.2:
        return None
    try:
        text = data.decode(best.encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    letters = [c for c in text if c.isalpha() and ord(c) > 127]
    latin = sum(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return None if latin * 2 >= len(letters) else (text, codecs.lookup(best.encoding).name)


# --- structure -----------------------------------------------------------------------------------


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line of ``text[start:end]``, without its newline."""
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        yield pos, stop
        pos = stop + 1


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start] in _ENDS:
        start += 1
    while end > start and text[end - 1] in _ENDS:
        end -= 1
    return Span(start, end) if start < end else None


def split_paragraphs(text: str, start: int = 0, end: int | None = None) -> tuple[Span, ...]:
    """Paragraphs of ``text[start:end]``: blocks between blank lines, or, where there is no blank
    line between the first and last non-blank ones, one per line, unless the text is hard-wrapped
    (see `hard_wrapped`): then the lines of a paragraph are one paragraph. A block between blank
    lines that is hard-wrapped prose is split where an indented line begins a paragraph
    (`_indented_paragraphs`). Spans exclude newlines, spaces, tabs and no-break spaces at their
    ends."""
    end = len(text) if end is None else end
    lines = [(a, b, not text[a:b].strip(_ENDS)) for a, b in _lines(text, start, end)]
    filled = [i for i, (_, _, blank) in enumerate(lines) if not blank]
    if not filled:
        return ()
    if not any(blank for _, _, blank in lines[filled[0] : filled[-1]]):
        blocks = [lines[i][:2] for i in filled]
        joins = hard_wrapped(text, blocks)
        for k in reversed(range(len(blocks) - 1)):
            if joins[k]:
                blocks[k : k + 2] = [(blocks[k][0], blocks[k + 1][1])]
    else:
        blocks, first = [], None
        for a, _, blank in lines:
            if not blank and first is None:
                first = a
            elif blank and first is not None:
                blocks.append((first, a))
                first = None
        if first is not None:
            blocks.append((first, end))
        blocks = [part for block in blocks for part in _indented_paragraphs(text, *block)]
    return tuple(span for a, b in blocks if (span := _trim(text, a, b)))


def _indented_paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The block ``text[start:end]`` (between blank lines), split before each indented line
    that begins a paragraph if the block is hard-wrapped prose (`hard_wrapped`): newswire marks
    its paragraphs by indenting their first line, and a story may still end in a blank line and
    a signature. Its other lines stay as they are. A block that is not wrapped prose (an
    address, a list with its items' lines indented) stays whole, and so does one with a table
    set with spaces: its rows and headings are seen as a table only together (alone, a row's
    columns would be run together)."""
    lines = list(_lines(text, start, end))
    joins = hard_wrapped(text, lines)
    if not any(joins) or any(_ROW.search(text, a, b) for a, b in lines):
        return [(start, end)]
    parts, first = [], start
    for k, runs_on in enumerate(joins):
        begins = lines[k + 1][0]
        if not runs_on and text[begins : begins + 1] in _INDENTS:
            parts.append((first, lines[k][1]))
            first = begins
    parts.append((first, end))
    return parts


WRAP_WIDTH = (40, 100)  # the widths (characters) at which text is hard-wrapped
WRAP_MARGIN = 0.75  # a line at least this share of the width ran into the margin
WRAP_LOWER = 0.3  # the least share of wrapped lines whose next line starts in lower case
# a row of a table set with spaces: two gaps of two spaces or more (not after a full stop)
_ROW = re.compile(r"[^\s.!?:;,][ \t]{2,}\S.*[^\s.!?:;,][ \t]{2,}\S")
_ITEM = re.compile(r"[-*•·–—>#]|\d{1,3}[.)]\s|[A-Za-z][.)]\s")  # a list item or quoted line


def hard_wrapped(text: str, lines: list[tuple[int, int]]) -> list[bool]:
    """For each line but the last, whether it runs on into the next one: the text is wrapped at
    a fixed width (newswire, e-mail, plain-text archives: the widest of its three or more lines
    is 40 to 100 characters), this line reached the margin (or stops short and the next one goes
    on in lower case: a dateline was cut off, an abbreviation ended it), the next one starts
    flush (an indented line begins a paragraph) and neither is a table row or a list item. The
    text counts as wrapped only if a good share of those lines run on into a word in lower case:
    a list of headlines of even length, or one paragraph per line, is not wrapped prose."""
    no = [False] * max(0, len(lines) - 1)
    if len(lines) < 3:
        return no
    lengths = [len(text[a:b].rstrip()) for a, b in lines]
    width = max(lengths)
    if not WRAP_WIDTH[0] <= width <= WRAP_WIDTH[1]:
        return no
    reach = [n >= WRAP_MARGIN * width for n in lengths]
    joins, lower = [], 0
    for k in range(len(lines) - 1):
        line, after = text[slice(*lines[k])], text[slice(*lines[k + 1])]
        runs_on = (
            (reach[k] or after[:1].islower())
            and after[:1] not in _INDENTS
            and not _ROW.search(line)
            and not _ROW.search(after)
            and not _ITEM.match(after)
        )
        joins.append(runs_on)
        lower += runs_on and after[:1].islower()
    if lower < WRAP_LOWER * sum(joins):
        return no
    return joins


_MONTHS = "january february march april may june july august september october november december"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_DATELINES = [
    re.compile(_WEEKDAY + pattern, re.I)
    for pattern in (
        rf"(?P<m>[a-z]+)\.?\s+{_DAY},?\s+(?P<y>\d{{4}})",  # June 20, 2024
        rf"{_DAY}\s+(?:of\s+)?(?P<m>[a-z]+)\.?,?\s+(?P<y>\d{{4}})",  # 20 June 2024
        r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})",  # 2024-06-20
    )
]


def _month(name: str) -> int:
    if name.isdigit():
        return int(name)
    name = name.lower()
    months = _MONTHS.split()
    return next((i for i, m in enumerate(months, 1) if len(name) >= 3 and m.startswith(name)), 0)


def parse_dateline(line: str) -> str | None:
    """The ISO date if ``line`` is nothing but a date (optionally with its weekday)."""
    for pattern in _DATELINES:
        if m := pattern.fullmatch(line.strip(_ENDS)):
            try:
                return date(int(m["y"]), _month(m["m"]), int(m["d"])).isoformat()
            except ValueError:
                return None
    return None


def _head(text: str, want_title: bool) -> tuple[Span | None, str | None, int]:
    """``(title span, ISO date, body start)``: the first non-empty line is the title, unless it
    is a dateline with more text after it; a dateline right after the title is taken too."""
    heads = []
    for a, b in _lines(text, 0, len(text)):
        if span := _trim(text, a, b):
            heads.append(span)
            if len(heads) == 3:
                break
    dates = [parse_dateline(text[s.start : s.end]) for s in heads]
    title, when, body, i = None, None, 0, 0
    if heads and dates[0] and (len(heads) > 1 or not want_title):
        when, body, i = dates[0], heads[0].end, 1
    if want_title and i < len(heads):
        title, body, i = heads[i], heads[i].end, i + 1
    if when is None and i < len(heads) and dates[i]:
        when, body = dates[i], heads[i].end
    return title, when, body


# --- formats -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    """Where some text was read from, and how it was decoded."""

    source: str
    stem: str
    encoding: str
    warnings: tuple[str, ...]
    defaults: ReadDefaults


def _text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None or str(value).strip() == "" else str(value).strip()


MAX_META_VALUES = 10_000  # values in one article's metadata, nested ones included
MAX_META_DEPTH = 20


class MetaError(ValueError):
    """Metadata that cannot be kept (the message says which field and why)."""


def json_safe(fields: dict[Any, Any]) -> dict[str, Any]:
    """The metadata as JSON-safe values: strings (lone surrogates replaced), numbers (finite),
    booleans, None, lists, and mappings with string keys (numbers as keys become strings); a
    date becomes its ISO string. Raises `MetaError` for anything else (binary data, a set, a
    key given twice once made a string) and for metadata too large or too deep."""
    budget = [MAX_META_VALUES]

    def safe(value: Any, where: str, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise MetaError(f"more than {MAX_META_VALUES:,} values: too large")
        if depth > MAX_META_DEPTH:
            raise MetaError(f"{where}: nested more than {MAX_META_DEPTH} deep")
        if value is None or isinstance(value, bool | int):
            return value
        if isinstance(value, str):
            return scrub(value)[0]
        if isinstance(value, float):
            return value if value == value and abs(value) != float("inf") else None
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [safe(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if isinstance(key, str):
                    name = scrub(key)[0]
                elif key is None or isinstance(key, bool | int | float):
                    name = json.dumps(key)
                else:
                    raise MetaError(f"{where or 'metadata'}: a key that is {type(key).__name__}")
                if name in out:
                    raise MetaError(f"{where or 'metadata'}: the key {name!r} is given twice")
                out[name] = safe(item, f"{where}.{name}" if where else name, depth + 1)
            return out
        kind = "binary data" if isinstance(value, bytes | bytearray) else type(value).__name__
        raise MetaError(f"field {where!r} holds {kind}, not text, a number or a list")

    return safe(fields, "", 0)


def bad_fields(fields: dict[str, Any]) -> str | None:
    """Why the metadata fields are unusable (a list, a mapping, true/false), or None."""
    for key in META_KEYS:
        value = fields.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | float | date | None):
            return f"{key!r} must be a string, not {type(value).__name__}"
    return None


def make_article(raw: str, found: Found, fields: dict[str, Any]) -> Article:
    """The Article for ``raw``; ``fields`` (front matter or a JSON record, `json_safe`) may give
    the title."""
    raw = normalise_separators(raw)
    title = _text(fields.get("title"))
    title = normalise_separators(title).replace("\n", " ") if title else title
    title_span, dateline, body = _head(raw, want_title=title is None)
    if title_span is not None:
        title = raw[title_span.start : title_span.end]
    given_date = _text(fields.get("date"))
    language, source_language, detected, confidence = _languages(raw, fields, found.defaults)
    return Article(
        id=_text(fields.get("id")) or found.stem,
        source=found.source,
        raw=raw,
        raw_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        title=title or "",
        paragraphs=split_paragraphs(raw, body),
        title_span=title_span,
        date=(given_date and parse_dateline(given_date)) or given_date or dateline,
        url=_text(fields.get("url")),
        language=language,
        source_language=source_language,
        encoding=found.encoding,
        warnings=found.warnings,
        meta={k: v for k, v in fields.items() if k not in META_KEYS},
        detected_language=detected,
        language_confidence=confidence,
    )


def _languages(
    raw: str, fields: dict[str, Any], defaults: ReadDefaults
) -> tuple[str | None, str | None, str | None, float | None]:
    """(language, source language, detected language, confidence) of an article.

    The metadata's ``language`` wins; else a confident detection; else, where the text is too
    short to tell, the run's default; an article whose language detection cannot tell with
    enough text is of unknown language (None). A default source language equal to the language
    is dropped: that article was not translated.
    """
    detected, confidence = detect(raw)
    given = _text(fields.get("language"))
    if given:
        language = given
    elif detected and confidence >= MIN_CONFIDENCE:
        language = detected
    else:
        language = defaults.language if detected is None else None
    source = _text(fields.get("source_language"))
    if source is None and defaults.source_language:
        same = language and language.split("-")[0].lower() == defaults.source_language.lower()
        source = None if same else defaults.source_language
    return language, source, detected, (confidence if detected else None)


_FRONT_OPEN = re.compile(r"---[ \t]*\n")
_FRONT_CLOSE = re.compile(r"^---[ \t]*(?:\n|\Z)", re.M)


def parse_markdown(text: str, found: Found) -> Article | ReadError:
    """A ``.md`` file: YAML front matter between ``---`` lines, then the body (``raw``)."""
    opening = _FRONT_OPEN.match(text)
    if not opening:
        return make_article(text, found, {})
    closing = _FRONT_CLOSE.search(text, opening.end())
    if not closing:
        return ReadError(found.source, "front matter has no closing '---' line")
    try:
        fields = yaml.load(text[opening.end() : closing.start()], Loader=MetaLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).replace("\n", " ")
        return ReadError(found.source, f"invalid YAML front matter: {problem}{where}")
    except ValueError as exc:  # a value YAML parses but Python refuses (a 5,000-digit number)
        return ReadError(found.source, f"invalid YAML front matter: {exc}")
    fields = {} if fields is None else fields
    if not isinstance(fields, dict):
        return ReadError(found.source, "front matter is not a mapping of keys to values")
    try:
        fields = json_safe(fields)
    except MetaError as exc:
        return ReadError(found.source, f"front matter: {exc}")
    if problem := bad_fields(fields):
        return ReadError(found.source, f"front matter: {problem}")
    body = text[closing.end() :]
    if not body.strip() and _text(fields.get("title")) is None:
        return ReadError(found.source, "empty article")
    return make_article(body, found, fields)


def parse_jsonl(text: str, found: Found) -> list[Article | ReadError]:
    """A ``.jsonl`` file: one JSON object per line, the article in its ``text``. Articles and
    errors have ``source`` ``file.jsonl:LINE``."""
    out: list[Article | ReadError] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{found.source}:{number}"
        if len(line) > MAX_ARTICLE_BYTES:
            out.append(ReadError(where, f"line {number}: {_too_large(len(line.encode()))}"))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(
                ReadError(where, f"line {number}: not valid JSON: {exc.msg} (column {exc.colno})")
            )
            continue
        try:
            out.append(_jsonl_article(record, number, replace(found, source=where)))
        except Exception as exc:  # one bad line never loses the others
            out.append(ReadError(where, f"line {number}: {type(exc).__name__}: {exc}"[:500]))
    return out or [ReadError(found.source, "empty article")]


def _jsonl_article(record: Any, number: int, found: Found) -> Article | ReadError:
    problem = None
    if not isinstance(record, dict):
        problem = f"a line must be a JSON object, not {type(record).__name__}"
    elif not isinstance(record.get("text"), str):
        problem = "no 'text' string"
    elif not visible(record["text"]):
        problem = "empty article"
    else:
        try:
            safe = json_safe(record)
        except MetaError as exc:
            problem = str(exc)
        else:
            problem = bad_fields(safe)
    if problem:
        return ReadError(found.source, f"line {number}: {problem}")
    fields = {k: v for k, v in safe.items() if k != "text"}
    fields["id"] = _text(fields.get("id")) or f"{found.stem}-{number}"
    if any(scrub(v)[1] for v in record.values() if isinstance(v, str)):
        found = replace(found, warnings=(*found.warnings, "lone surrogate(s) replaced by U+FFFD"))
    return make_article(normalise_newlines(safe["text"]), found, fields)
