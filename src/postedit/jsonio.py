"""JSON text, made and read with orjson where it can (several times faster than the json module
on the corpus's records, the state and the stories; some fifty times on indented text, which the
json module indents in Python), with the json module where orjson refuses a value (a lone
surrogate, an integer beyond 64 bits, a key that is not a string; reading, NaN). The same
values: a float below 1e-4 is written ``0.00001`` rather than ``1e-05``, the same number; NaN
and the infinities, which JSON cannot write, become ``null`` (the json module wrote ``NaN``,
which JSON readers refuse)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson


def compact(value: Any, *, sort_keys: bool = False) -> str:
    """``value`` as JSON without spaces, UTF-8 kept (not escaped), keys sorted if asked."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError: what orjson does not write, json does
        return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))


def indented(value: Any) -> str:
    """``value`` as JSON indented by two spaces, keys sorted, UTF-8 kept, with a final newline:
    the text ``json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)`` gives, but for
    the numbers above."""
    try:
        option = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
        return orjson.dumps(value, option=option).decode("utf-8")
    except TypeError:
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def parse(text: str | bytes) -> Any:
    """The value of a JSON text; ValueError if it is not one."""
    try:
        return orjson.loads(text)
    except ValueError:  # orjson.JSONDecodeError: json reads a little more (NaN, big integers)
        return json.loads(text)


def entry_lines(raw: bytes, start: int, keys: Iterable[str]) -> dict[str, tuple[int, int]] | None:
    """Where each entry (``"key": value``) of a JSON object written an entry a line is in
    ``raw``: the entries, in the order of ``keys``, on the lines from ``start`` on (a comma
    ending each but the last), then a line that closes the object. None if the text is not laid
    out so."""
    out = {}
    at = start
    for key in keys:
        end = raw.find(b"\n", at)
        if end < 0:
            return None
        out[key] = (at, end - 1 if raw[end - 1 : end] == b"," else end)
        at = end + 1
    return out if raw.startswith(b"}", at) else None


class Lines:
    """The entries of a JSON file an earlier run wrote an entry a line (`entry_lines`), by key,
    as the text they were written in: read from the file when asked for, never all held. The
    file is held open, so it is the one parsed whatever replaces its name meanwhile."""

    def __init__(self, handle: BinaryIO, spans: dict[str, tuple[int, int]]) -> None:
        self.handle = handle
        self.spans = spans

    def text(self, key: str) -> str | None:
        """The entry of ``key`` as written (``"key": value``), or None (none, or unreadable)."""
        span = self.spans.get(key)
        if span is None or self.handle.closed:
            return None
        try:
            self.handle.seek(span[0])
            text = self.handle.read(span[1] - span[0]).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return text if text.startswith(compact(key)) else None

    def close(self) -> None:
        self.handle.close()
