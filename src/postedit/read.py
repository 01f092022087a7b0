"""Reading: a folder of ``.txt``, ``.md`` (YAML front matter) and ``.jsonl`` files into Articles.

Reading never raises for a bad file: a file or line that cannot be read becomes a `ReadError`
that names it and says what is wrong, and every other article is still read.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .model import Article, Span

SUFFIXES = (".txt", ".md", ".jsonl")
META_KEYS = ("id", "title", "date", "url", "language", "source_language")
_ENDS = "\n \t\u00a0"


@dataclass(frozen=True, slots=True)
class ReadError:
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class ReadDefaults:
    language: str | None = None
    source_language: str | None = None


# --- files ---------------------------------------------------------------------------------------


def list_inputs(folder: Path) -> list[Path]:
    """Article files under ``folder``, sorted by relative path; hidden entries and links to
    folders are skipped (so a symlink loop cannot trap the walk)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and name.endswith(SUFFIXES):
                found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_folder(
    folder: Path, defaults: ReadDefaults = ReadDefaults()
) -> Iterator[Article | ReadError]:
    """Articles and errors, file by file, in `list_inputs` order."""
    for path in list_inputs(folder):
        yield from read_file(path, folder, defaults)


def read_file(
    path: Path, folder: Path, defaults: ReadDefaults = ReadDefaults()
) -> list[Article | ReadError]:
    source = path.relative_to(folder).as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [ReadError(source, f"cannot read file: {exc.strerror or exc}")]
    if is_binary(data):
        return [ReadError(source, "binary file, not text")]
    text, encoding, warnings = decode_bytes(data)
    if path.suffix == ".jsonl":
        return list(parse_jsonl(text, source, path.stem, encoding, warnings, defaults))
    if not text.strip():
        return [ReadError(source, "empty article")]
    if path.suffix == ".md":
        return [parse_markdown(text, source, path.stem, encoding, warnings, defaults)]
    return [parse_text(text, source, path.stem, encoding, warnings, {}, defaults)]


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object written by an earlier run, or {} if there is none (or it is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- decoding ------------------------------------------------------------------------------------


def is_binary(data: bytes) -> bool:
    """NUL bytes in the first 8 KiB of a file that is mostly not text, and not UTF-16."""
    head = data[:8192]
    if b"\x00" not in head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    texty = sum(32 <= b < 127 or b in (9, 10, 13) or b >= 128 for b in head)
    return texty < 0.7 * len(head)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    """Decode ``data``: UTF-8 (BOM stripped), UTF-16 with a BOM, else the detected encoding."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
            return (
                normalise_newlines(text),
                "utf-16",
                ("decoded as UTF-16 (byte-order mark), not UTF-8",),
            )
        except UnicodeDecodeError:
            pass
    try:
        return normalise_newlines(data.decode("utf-8")), "utf-8", ()
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    encoding = detect_encoding(data)
    if encoding:
        text = data.decode(encoding)
        note = f"not valid UTF-8 (byte {bad_at}): decoded as {encoding} (detected)"
        return normalise_newlines(text), encoding, (note,)
    text = data.decode("utf-8", errors="replace")
    note = f"not valid UTF-8 (byte {bad_at}) and no encoding detected: undecodable bytes replaced"
    return normalise_newlines(text), "utf-8", (note,)


# Single-byte Western encodings that detectors confuse with each other on short texts: news in
# them is overwhelmingly windows-1252, which is tried first.
LATIN_FAMILY = {"cp1250", "cp1252", "cp1257", "latin-1", "iso8859-1", "iso8859-2", "iso8859-15"}
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LETTER = re.compile(r"[^\W\d_]")


def detect_encoding(data: bytes) -> str | None:
    """cp1256 where the bytes read as mostly Arabic letters, else charset-normalizer's best guess,
    else cp1252/latin-1 (which decode any byte)."""
    try:
        arabic = data.decode("cp1256")
    except UnicodeDecodeError:
        arabic = ""
    letters = _LETTER.findall(arabic)
    if letters and len(_ARABIC.findall(arabic)) >= 0.5 * len(letters):
        return "cp1256"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    guess = codecs.lookup(best.encoding).name if best is not None else None
    if guess and guess not in LATIN_FAMILY and guess not in ("utf-8", "ascii"):
        return guess
    for fallback in ("cp1252", "latin-1"):
        try:
            data.decode(fallback)
            return fallback
        except UnicodeDecodeError:
            continue
    return None


# --- structure -----------------------------------------------------------------------------------


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
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
    """Paragraphs of ``text[start:end]``: blocks between blank lines, or one per line where
    there is no blank line at all. Spans exclude white space at their ends."""
    end = len(text) if end is None else end
    lines = [(a, b, not text[a:b].strip(_ENDS)) for a, b in _lines(text, start, end)]
    content = [i for i, (_, _, blank) in enumerate(lines) if not blank]
    has_blank = any(blank for _, _, blank in lines[content[0] : content[-1]]) if content else False
    spans: list[Span] = []
    if not has_blank:
        spans = [s for a, b, blank in lines if not blank and (s := _trim(text, a, b))]
        return tuple(spans)
    block_start: int | None = None
    for a, _, blank in [*lines, (end, end, True)]:
        if blank and block_start is not None:
            if span := _trim(text, block_start, a):
                spans.append(span)
            block_start = None
        elif not blank and block_start is None:
            block_start = a
    return tuple(spans)


MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_DATELINES = [
    (re.compile(rf"{_WEEKDAY}(?P<m>[a-z]+)\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})", re.I), "mdy"),
    (re.compile(rf"{_WEEKDAY}(?P<d>\d{{1,2}})\s+(?P<m>[a-z]+)\.?,?\s+(?P<y>\d{{4}})", re.I), "dmy"),
    (re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"), "iso"),
]


def parse_dateline(line: str) -> str | None:
    """The ISO date if ``line`` is nothing but a date (optionally with its weekday)."""
    line = line.strip(_ENDS)
    for pattern, _ in _DATELINES:
        m = pattern.fullmatch(line)
        if not m:
            continue
        month = m["m"]
        month_no = int(month) if month.isdigit() else MONTHS.get(month.lower())
        try:
            return date(int(m["y"]), month_no or 0, int(m["d"])).isoformat()
        except ValueError:
            return None
    return None


def _first_lines(text: str, start: int, count: int) -> list[Span]:
    found = []
    for a, b in _lines(text, start, len(text)):
        if span := _trim(text, a, b):
            found.append(span)
            if len(found) == count:
                break
    return found


def parse_text(
    text: str,
    source: str,
    stem: str,
    encoding: str,
    warnings: tuple[str, ...],
    meta: dict[str, Any],
    defaults: ReadDefaults,
    start: int = 0,
) -> Article:
    """A plain-text article: title line (unless ``meta`` has a title), optional dateline, body."""
    heads = _first_lines(text, start, 3)
    date_found = None
    title_span = None
    body_start = start
    for span in heads:
        line = text[span.start : span.end]
        if date_found is None and title_span is None and (iso := parse_dateline(line)):
            date_found, body_start = iso, span.end
            continue
        if "title" not in meta and title_span is None:
            title_span, body_start = span, span.end
            continue
        if date_found is None and (iso := parse_dateline(line)):
            date_found, body_start = iso, span.end
        break
    title = (
        str(meta["title"])
        if "title" in meta
        else (text[title_span.start : title_span.end] if title_span else "")
    )
    return Article(
        id=str(meta.get("id") or stem),
        source=source,
        raw=text,
        raw_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=title,
        paragraphs=split_paragraphs(text, body_start),
        title_span=title_span,
        date=_iso(meta.get("date")) or date_found,
        url=_opt(meta.get("url")),
        language=_opt(meta.get("language")) or defaults.language,
        source_language=_opt(meta.get("source_language")) or defaults.source_language,
        encoding=encoding,
        warnings=warnings,
        meta={k: v for k, v in meta.items() if k not in META_KEYS},
    )


def _opt(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _opt(value)


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*(?:\n|\Z)", re.S | re.M)


def parse_markdown(
    text: str,
    source: str,
    stem: str,
    encoding: str,
    warnings: tuple[str, ...],
    defaults: ReadDefaults,
) -> Article | ReadError:
    if not text.startswith("---"):
        return parse_text(text, source, stem, encoding, warnings, {}, defaults)
    m = _FRONT.match(text)
    if not m:
        return ReadError(source, "front matter starts with '---' but has no closing '---' line")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        reason = str(exc).replace("\n", " ")
        return ReadError(source, f"invalid YAML front matter: {reason}")
    if not isinstance(meta, dict):
        return ReadError(source, "front matter is not a mapping of keys to values")
    body = text[m.end() :]
    if not body.strip() and "title" not in meta:
        return ReadError(source, "empty article")
    # edits index into the body: the text after the front matter
    return parse_text(body, source, stem, encoding, warnings, meta, defaults)


def parse_jsonl(
    text: str,
    source: str,
    stem: str,
    encoding: str,
    warnings: tuple[str, ...],
    defaults: ReadDefaults,
) -> Iterator[Article | ReadError]:
    seen_any = False
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        seen_any = True
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadError(where, f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield ReadError(where, "a line must be a JSON object")
            continue
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            yield ReadError(where, "missing or empty 'text'")
            continue
        bad = [k for k in META_KEYS if k in record and not isinstance(record[k], (str, type(None)))]
        if bad:
            yield ReadError(where, f"field(s) {bad} must be strings")
            continue
        meta = {k: v for k, v in record.items() if k != "text"}
        meta.setdefault("id", f"{stem}-{number}")
        yield parse_text(normalise_newlines(body), where, stem, encoding, warnings, meta, defaults)
    if not seen_any:
        yield ReadError(source, "empty article")
