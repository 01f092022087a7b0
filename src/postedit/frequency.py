"""How common a word is: wordfreq's Zipf scale (0 unknown, 7 "the"), read from a copy of its table.

wordfreq keeps a language's table gzipped in msgpack. Importing it and making the table took
about 0.3 s of CPU in every run that cleans an article (the search for fused words and the
spelling check ask it), and holds about 50 MB. A copy of the table is kept in the cache folder
(`langid.cache_folder`): the language's words, sorted, each with its frequency band, and each
band's Zipf value as wordfreq gives it. It is read in a few milliseconds and held as it is read
(one block of text, 3 MB for English, not a string for each of its 321,000 words), and a word is
looked up by bisection.

The copy answers for a word of lower-case ASCII letters in a language that wordfreq splits with
its regular expressions (English, French, Arabic...): such a word is one token as it stands, so
its value is its band's, and 0 if it is in no band. Where wordfreq also reads a word as it is
written (no marks taken out, no letters changed: English, French, German...), the copy answers
for the words a run asks of it (the search for fused words, the spelling check's suggestions):
lower-case Latin letters with accents, apostrophes or full stops inside (``declaración``,
``brazil's``, ``u.s``), and such words joined by hyphens or spaces (``cross-border``), whose
frequencies it combines as wordfreq does, with or without apostrophes before and after
(``companies'``), which wordfreq drops. Any other word (a digit, a capital, another script,
a French elision, a language with a word segmenter) is asked of wordfreq itself. Without a
cache folder, or where the copy cannot be made, wordfreq answers everything.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.util
import json
import math
import os
import re
import unicodedata
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, overload

import numpy as np

COPY_VERSION = 2
PLAIN = re.compile(r"[a-z]+")  # a word every regex tokenizer of wordfreq leaves as it is
# a word wordfreq splits only at its hyphens and spaces: tokens of letters (accented or not),
# an apostrophe or a full stop inside one ("venezuela's", "can't", "u.s"), a full stop after
# one, which it drops ("vs."); no apostrophe after one or two letters and before a vowel or an
# h, where wordfreq splits French elisions ("l'homme")
_TOKEN = r"(?![^\W\d_]{1,2}'[aehiouyáéíóúàèìòùâêîôûåïöœ])[^\W\d_]+(?:['.][^\W\d_]+)*\.?"
JOINED = re.compile(rf"{_TOKEN}(?:[- ]{_TOKEN})*")
APOSTROPHES = "'\u2019"


class Words(Sequence[bytes]):
    """The table's words, sorted, read in place from one block of UTF-8 with a space between
    two (UTF-8 sorts as the text does): the k-th word is a slice of it."""

    __slots__ = ("blob", "starts")

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        spaces = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 32) + 1
        bounds = np.concatenate(([0], spaces, [len(blob) + 1])) if blob else np.zeros(1)
        self.starts = array("q", bounds.astype(np.int64).tobytes())  # each word's, then the end

    def __len__(self) -> int:
        return len(self.starts) - 1

    @overload
    def __getitem__(self, k: int) -> bytes: ...
    @overload
    def __getitem__(self, k: slice) -> Sequence[bytes]: ...
    def __getitem__(self, k: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        if not -len(self) <= k < len(self):
            raise IndexError(k)
        k %= len(self)
        return self.blob[self.starts[k] : self.starts[k + 1] - 1]


class Table(NamedTuple):
    words: Words  # every word of the table, sorted (looked up by bisection)
    bands: array  # each word's band (its last, as wordfreq reads the table); band i is -i cB
    values: list[float | None]  # each band's Zipf value (None: no word of it is one token)
    plain: bool  # wordfreq splits this language with its regular expressions
    as_written: bool  # ... and reads a word as it is written (no marks out, no letters changed)

    def band(self, word: str) -> int | None:
        key = word.encode("utf-8", "surrogatepass")
        at = bisect.bisect_left(self.words, key)
        return self.bands[at] if at < len(self.words) and self.words[at] == key else None


@functools.lru_cache(maxsize=65536)  # a text asks of the same words again and again
def zipf(word: str, language: str) -> float:
    """How common ``word`` is in ``language`` (a code; "en-GB" reads as "en"), as wordfreq's
    ``zipf_frequency`` gives it; 0.0 for a language wordfreq does not have."""
    code = language.split("-")[0]
    table = _table(code)
    # wordfreq drops the apostrophes before and after a word ("companies'", "'minister")
    inner = word.strip(APOSTROPHES) if table is not None and table.as_written else word
    if table is not None and table.plain and PLAIN.fullmatch(inner):
        return _joined(table, [inner])  # one token as it stands
    if table is not None and table.as_written and inner and _as_written(inner):
        return _joined(table, [token.rstrip(".") for token in re.split(r"[- ]", inner)])
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
    bands = np.frombuffer(table.bands, dtype=np.uint16)
    words = table.words
    return frozenset(words[k].decode("utf-8") for k in np.flatnonzero(bands < cut).tolist())


def _as_written(word: str) -> bool:
    """Does wordfreq read ``word`` as its tokens between hyphens and spaces, where the language
    is read as written? (`JOINED`, lower case as wordfreq folds it, in its normal form, Latin.)"""
    return (
        JOINED.fullmatch(word) is not None
        and all(ord(c) < 0x250 for c in word)  # Latin (with its accents), no other script
        and unicodedata.normalize("NFC", word).casefold() == word
    )


def _joined(table: Table, tokens: list[str]) -> float:
    """wordfreq's ``zipf_frequency`` of a word of these tokens, done as it does it: a token's
    frequency is its band's, ``1 / f = 1 / f1 + 1 / f2 ...``, rounded to three significant
    digits, at least a billionth (Zipf 0, also for a token in no band), then on the Zipf scale
    to two decimals."""
    least = 10**0.0 / 1e9  # zipf_to_freq(0.0), as wordfreq makes it
    one_over = 0.0
    for token in tokens:
        band = table.band(token)
        if band is None:
            one_over = 0.0
            break
        one_over += 1.0 / 10 ** (-band / 100)  # cB_to_freq(-band)
    unrounded = max(1.0 / one_over, least) if one_over else least
    freq = round(unrounded, math.floor(-math.log(unrounded, 10)) + 3)
    return round(math.log(freq, 10) + 9, 2)


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
        info = get_language_info(code)
    except (LookupError, ValueError):
        return None
    plain = info["tokenizer"] == "regex"
    as_written = (
        plain
        and info["normal_form"] == "NFC"
        and not any(
            info[k] for k in ("remove_marks", "dotless_i", "diacritics_under", "transliteration")
        )
    )
    values: list[float | None] = []
    last: dict[str, int] = {}  # a word in two bands is read in its last (a dictionary's way)
    for band, words in enumerate(listed):
        last.update(dict.fromkeys(words, band))
        one = (w for w in words if PLAIN.fullmatch(w) and lossy_tokenize(w, code) == [w])
        word = next(one, None)
        values.append(None if word is None else zipf_frequency(word, code))
    words = sorted(last)
    blob = " ".join(words).encode("utf-8", "surrogatepass")
    return Table(Words(blob), array("H", [last[w] for w in words]), values, plain, as_written)


def _keep(copy: Path, table: Table, code: str) -> bool:
    """Write ``table`` to ``copy``: a line of JSON (the bands' Zipf values), the words (sorted,
    a space between two), and their bands (16-bit, in hex). Written whole or not at all; False
    (nothing written) if a word is one the line cannot hold."""
    from .write import atomic_write_bytes

    blob = table.words.blob
    if len(table.words) != len(table.bands) or any(c in blob for c in (b"\n", b"\t", b"  ")):
        return False  # a word that is empty or holds white space: the line cannot hold it
    if blob.startswith(b" ") or blob.endswith(b" "):
        return False
    header = {"version": COPY_VERSION, "language": code, "plain": table.plain}
    header.update(as_written=table.as_written, zipf=table.values)
    lines = [json.dumps(header).encode(), blob, table.bands.tobytes().hex().encode()]
    atomic_write_bytes(copy, b"\n".join(lines) + b"\n", durable=False)
    return True


def _read(copy: Path) -> Table:
    """The table kept by `_keep`; raises if the copy is missing or damaged."""
    head, words, bands, end = copy.read_bytes().split(b"\n")
    header = json.loads(head)
    words.decode("utf-8", "surrogatepass")  # raises if damaged
    values = [None if v is None else float(v) for v in header["zipf"]]
    plain, as_written = bool(header["plain"]), bool(header["as_written"])
    table = Table(
        Words(words), array("H", bytes.fromhex(bands.decode())), values, plain, as_written
    )
    if header["version"] != COPY_VERSION or end or len(table.words) != len(table.bands):
        raise ValueError(f"{copy}: not a copy of this version, or damaged")
    if len(table.bands) and int(np.frombuffer(table.bands, dtype=np.uint16).max()) >= len(values):
        raise ValueError(f"{copy}: a band it does not have")
    return table


def release() -> None:
    """Let go of the tables (a few MB) and the answers kept; the next question reads them again."""
    _table.cache_clear()
    zipf.cache_clear()
