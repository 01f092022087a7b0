"""Results keyed by content: what was found in a paragraph is not looked for again.

Reposts share most of their paragraphs, so a corpus of news holds the same paragraph many times.
A step whose result depends only on what it can see (the paragraph's text and the context its
rules read, the rules themselves) keeps that result here under a hash of all of it; the next
paragraph with the same key gets the result without the work. The memo belongs to the process
(a batch cleaned on a Dask worker fills that worker's memo) and is bounded: past `MEMO_SIZE`
entries the least recently used is dropped, so its memory does not grow with the corpus.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

MEMO_SIZE = 100_000  # entries (a key is 16 bytes; a value is what one paragraph gave)

T = TypeVar("T")
_ABSENT = object()


def content_key(*parts: object) -> bytes:
    """A 128-bit hash of ``parts`` (strings, numbers, booleans, None), each told apart from
    its neighbours (so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part if isinstance(part, str) else repr(part)
        encoded = data.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.digest()


class Memo:
    """A bounded map from content keys to results, least recently used dropped first.

    Threads cleaning batches side by side (Prefect's thread runner) share one: a key one of
    them has read may be dropped by another before it is marked as used, which costs the mark
    only."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[bytes, object] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: bytes, make: Callable[[], T]) -> T:
        """The result kept under ``key``, else ``make()``, kept."""
        value = self.entries.get(key, _ABSENT)
        if value is not _ABSENT:
            with contextlib.suppress(KeyError):  # dropped since by another thread
                self.entries.move_to_end(key)
            self.hits += 1
            return value  # type: ignore[return-value]
        self.misses += 1
        value = make()
        self.put(key, value)
        return value

    def get(self, key: bytes) -> object | None:
        value = self.entries.get(key)
        if value is not None:
            with contextlib.suppress(KeyError):  # dropped since by another thread
                self.entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return value

    def put(self, key: bytes, value: object) -> None:
        self.entries[key] = value
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def clear(self) -> None:
        self.entries.clear()
        self.hits = self.misses = 0


PARAGRAPHS = Memo()  # the process's memo of paragraph results (`postedit.pipeline.Engine`)
