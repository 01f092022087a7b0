"""How common a word is: wordfreq's Zipf scale (0 unknown, 7 "the"), read from a copy of its table.

wordfreq keeps a language's table gzipped in msgpack. Importing it and making the table took
about 0.3 s of CPU in every run that cleans an article (the search for fused words and the
spelling check ask it). A copy of the table is kept in the cache folder (`langid.cache_folder`):
the language's words, sorted, each with its frequency band, and each band's Zipf value as
wordfreq gives it. It is read in about 0.1 s, and a word is looked up by bisection.

The copy answers for a word of lower-case ASCII letters in a language that wordfreq splits with
its regular expressions (English, French, Arabic...): such a word is one token as it stands, so
its value is its band's, and 0 if it is in no band. Any other word (an apostrophe, a digit, an
accent, a language with a word segmenter) is asked of wordfreq itself. Without a cache folder,
or where the copy cannot be made, wordfreq answers everything.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.util
import json
import os
import re
from array import array
from pathlib import Path
from typing import NamedTuple

import numpy as np

COPY_VERSION = 1
PLAIN = re.compile(r"[a-z]+")  # a word every regex tokenizer of wordfreq leaves as it is


class Table(NamedTuple):
    words: list[str]  # every word of the table, sorted (looked up by bisection)
    bands: array  # each word's band (its last, as wordfreq reads the table); band i is -i cB
    values: list[float | None]  # each band's Zipf value (None: no word of it is one token)
    plain: bool  # wordfreq splits this language with its regular expressions

    def band(self, word: str) -> int | None:
        at = bisect.bisect_left(self.words, word)
        return self.bands[at] if at < len(self.words) and self.words[at] == word else None


def zipf(word: str, language: str) -> float:
    """How common ``word`` is in ``language`` (a code; "en-GB" reads as "en"), as wordfreq's
    ``zipf_frequency`` gives it; 0.0 for a language wordfreq does not have."""
    code = language.split("-")[0]
    table = _table(code)
    if table is not None and table.plain and PLAIN.fullmatch(word):
        band = table.band(word)
        value = 0.0 if band is None else table.values[band]
        if value is not None:
            return value
    try:
        from wordfreq import zipf_frequency

        return zipf_frequency(word, code)
    except (LookupError, ValueError):
        return 0.0


def common_words(language: str, common: float) -> frozenset[str]:
    """The words of ``language`` at least ``common`` on the Zipf scale (a frequency of at least
    10 ** (common - 9)), as wordfreq's ``get_frequency_dict`` has them."""
    code = language.split("-")[0]
    least = 10 ** (common - 9)
    table = _table(code)
    if table is None:
        try:
            from wordfreq import get_frequency_dict

            frequencies = get_frequency_dict(code, "best")
        except (LookupError, ValueError):
            return frozenset()
        return frozenset(w for w, f in frequencies.items() if f >= least)
    cut = sum(1 for i in range(len(table.values)) if 10 ** (-i / 100) >= least)  # cB_to_freq
    return frozenset(w for w, band in zip(table.words, table.bands, strict=True) if band < cut)


@functools.lru_cache(maxsize=8)
def _table(code: str) -> Table | None:
    """The copy of ``code``'s table (made and kept the first time), or None where there is no
    cache folder, no wordfreq data, no table for the language, or the copy cannot be kept."""
    from .langid import cache_folder

    folder, data = cache_folder(), _data_folder()
    if folder is None or data is None:
        return None
    key = hashlib.blake2b(digest_size=8)
    key.update(f"{COPY_VERSION} {code}\0".encode())
    for entry in sorted(os.scandir(data), key=lambda e: e.name):
        info = entry.stat()
        key.update(f"{entry.name} {info.st_size} {info.st_mtime_ns}\0".encode())
    copy = folder / f"wordfreq-{code}-{key.hexdigest()}.txt"
    try:
        return _read(copy)
    except Exception:  # not there yet, or damaged
        pass
    made = _make(code)
    if made is None:
        return None
    try:
        kept = _keep(copy, made, code)
    except OSError:
        kept = False
    return made if kept else None  # no copy: wordfreq answers (as cheap as a table made here)


def _data_folder() -> Path | None:
    """wordfreq's data folder, found without importing wordfreq."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    return data if data.is_dir() else None


def _make(code: str) -> Table | None:
    """The table from wordfreq itself, each band's Zipf value asked of wordfreq for one of its
    words that is one token as it stands (None for a band without one)."""
    try:
        from wordfreq import get_frequency_list, zipf_frequency
        from wordfreq.language_info import get_language_info
        from wordfreq.tokens import lossy_tokenize

        listed = get_frequency_list(code, "best")
        plain = get_language_info(code)["tokenizer"] == "regex"
    except (LookupError, ValueError):
        return None
    values: list[float | None] = []
    last: dict[str, int] = {}  # a word in two bands is read in its last (a dictionary's way)
    for band, words in enumerate(listed):
        last.update(dict.fromkeys(words, band))
        one = (w for w in words if PLAIN.fullmatch(w) and lossy_tokenize(w, code) == [w])
        word = next(one, None)
        values.append(None if word is None else zipf_frequency(word, code))
    words = sorted(last)
    return Table(words, array("H", [last[w] for w in words]), values, plain)


def _keep(copy: Path, table: Table, code: str) -> bool:
    """Write ``table`` to ``copy``: a line of JSON (the bands' Zipf values), the words (sorted,
    a space between two), and their bands (16-bit, in hex). Written whole or not at all; False
    (nothing written) if a word is one the line cannot hold."""
    from .write import atomic_write_text

    if any(not w or any(c.isspace() for c in w) for w in table.words):
        return False
    header = {"version": COPY_VERSION, "language": code, "plain": table.plain}
    header["zipf"] = table.values
    lines = [json.dumps(header), " ".join(table.words), table.bands.tobytes().hex()]
    atomic_write_text(copy, "\n".join(lines) + "\n", durable=False)
    return True


def _read(copy: Path) -> Table:
    """The table kept by `_keep`; raises if the copy is missing or damaged."""
    head, words, bands, end = copy.read_bytes().decode("utf-8").split("\n")
    header = json.loads(head)
    values = [None if v is None else float(v) for v in header["zipf"]]
    table = Table(words.split(" "), array("H", bytes.fromhex(bands)), values, bool(header["plain"]))
    if header["version"] != COPY_VERSION or end or len(table.words) != len(table.bands):
        raise ValueError(f"{copy}: not a copy of this version, or damaged")
    if len(table.bands) and int(np.frombuffer(table.bands, dtype=np.uint16).max()) >= len(values):
        raise ValueError(f"{copy}: a band it does not have")
    return table


def release() -> None:
    """Let go of the tables (a few MB); the next question reads them again."""
    _table.cache_clear()
