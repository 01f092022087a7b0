"""Results keyed by content: what was found in a paragraph is not looked for again.

Reposts share most of their paragraphs, so a corpus of news holds the same paragraph many times.
A step whose result depends only on what it can see (the paragraph's text and the context its
rules read, the rules themselves) keeps that result here under a hash of all of it; the next
paragraph with the same key gets the result without the work. The memo belongs to the process
(a batch cleaned on a Dask worker fills that worker's memo) and is bounded: past `MEMO_SIZE`
entries the least recently used is dropped, so its memory does not grow with the corpus.

Behind it, a `Store` keeps the results between runs (``OUTPUT/cache/paragraphs.sqlite``): a
repost arriving next week has its paragraphs' results looked up, not made again. A result is
looked up by its key alone (a point query, not a load of the store), so a run reads of the store
in proportion to what it cleans. The store is a cache: what its results depend on besides their
keys (the code, the libraries that find them, the packs) is its scope, and a store of another
scope is emptied when opened; one that cannot be opened or read is not used (and a damaged one
is made anew).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import math
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson

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


# --- kept between runs --------------------------------------------------------------------------

STORE_FILE = "paragraphs.sqlite"  # in OUTPUT/cache/
FLUSH_AT = 32_768  # results made before they are written (and when the cleaning ends)


def _tags() -> dict[type, tuple[str, tuple[str, ...]]]:
    """The records a result may hold, by type: a tag and the fields written."""
    from .grammar import Finding
    from .model import Edit, Mention

    return {
        cls: (tag, tuple(f.name for f in dataclasses.fields(cls)))
        for cls, tag in ((Edit, "E"), (Mention, "M"), (Finding, "F"))
    }


_TAGGED: dict[type, tuple[str, tuple[str, ...]]] = {}
_BY_TAG: dict[str, tuple[type, tuple[str, ...]]] = {}


def _registry() -> None:
    """Fill `_TAGGED` and `_BY_TAG` (once: the record types import this module)."""
    if not _TAGGED:
        tagged = _tags()
        _BY_TAG.update({tag: (cls, names) for cls, (tag, names) in tagged.items()})
        _TAGGED.update(tagged)


def _plain(value: object) -> Any:
    """``value`` as JSON values, its tuples, lists and records tagged (raises TypeError for any
    other kind of value, and for a number JSON cannot write: such a result is not kept)."""
    if value is None or type(value) in (str, int, bool):
        return value
    if type(value) is float:
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise TypeError("not kept: a number JSON cannot write")
        return value
    if type(value) is tuple:
        return {"t": [_plain(v) for v in value]}  # type: ignore[union-attr]
    if type(value) is list:
        return {"l": [_plain(v) for v in value]}  # type: ignore[union-attr]
    _registry()
    found = _TAGGED.get(type(value))
    if found is None:
        raise TypeError(f"not kept: {type(value).__name__}")
    tag, names = found
    return {tag: [_plain(getattr(value, n)) for n in names]}


def _made(value: Any) -> object:
    """The value `_plain` wrote (raises ValueError for anything else)."""
    if not isinstance(value, dict):
        return value
    ((tag, items),) = value.items()
    if tag == "t":
        return tuple(_made(v) for v in items)
    if tag == "l":
        return [_made(v) for v in items]
    _registry()
    cls, names = _BY_TAG[tag]
    return cls(**dict(zip(names, (_made(v) for v in items), strict=True)))


_EMPTY = {(): b'{"t":[]}', ((), ()): b'{"t":[{"t":[]},{"t":[]}]}'}  # most paragraphs' results


def encode(value: object) -> bytes:
    """A result as the store keeps it (raises TypeError or ValueError where it cannot)."""
    if type(value) is list and not value:
        return b'{"l":[]}'
    if type(value) is tuple and len(value) <= 2:  # type: ignore[arg-type]
        found = _EMPTY.get(value)  # type: ignore[arg-type]
        if found is not None:
            return found
    return orjson.dumps(_plain(value))


def decode(data: bytes) -> object:
    """The result `encode` wrote."""
    return _made(orjson.loads(data))


class Store:
    """Results by content key in an SQLite file, kept between runs (see the module docstring).
    Threads share it, each with its own connection; results made are written a batch at a
    time (`flush`). Any failure of the file (missing folder, full disk, a damaged file that
    cannot be made anew) turns the store off for the process: results are then made as without
    it."""

    def __init__(self, path: Path, scope: str) -> None:
        self.path, self.scope = Path(path), scope
        self.local = threading.local()
        self.lock = threading.Lock()
        self.pending: list[tuple[bytes, bytes]] = []
        self.off = False
        # held nothing when first opened in this run (a first run): not looked in until the
        # run's cleaning ends (`release`); what the run adds, its memo holds (None: not known)
        self.empty: bool | None = None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")  # a cache: a power cut may lose the last
            con.execute("PRAGMA cache_size=-65536")  # up to 64 MiB of its pages held (writing)
            con.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            con.execute(
                "CREATE TABLE IF NOT EXISTS results (key BLOB PRIMARY KEY, value BLOB) "
                "WITHOUT ROWID"
            )
            row = con.execute("SELECT value FROM meta WHERE name = 'scope'").fetchone()
            if row is None or row[0] != self.scope:  # of other code, libraries or packs
                con.execute("BEGIN IMMEDIATE")
                con.execute("DELETE FROM results")
                con.execute("INSERT OR REPLACE INTO meta VALUES ('scope', ?)", (self.scope,))
                con.execute("COMMIT")
            if self.empty is None:
                self.empty = con.execute("SELECT 1 FROM results LIMIT 1").fetchone() is None
        except BaseException:
            con.close()
            raise
        return con

    def _connection(self) -> sqlite3.Connection | None:
        con = getattr(self.local, "con", None)
        if con is not None or self.off:
            return con
        try:
            con = self._connect()
        except sqlite3.DatabaseError:  # not a database (damaged): made anew, once
            try:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                con = self._connect()
            except (sqlite3.Error, OSError):
                self.off = True
                return None
        except (sqlite3.Error, OSError):
            self.off = True
            return None
        self.local.con = con
        return con

    def get(self, key: bytes) -> object:
        """The result kept under ``key``, or `ABSENT`."""
        con = self._connection()
        if con is None or self.empty:
            return ABSENT
        try:
            row = con.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
            return ABSENT if row is None else decode(row[0])
        except (sqlite3.Error, ValueError, TypeError, KeyError):
            return ABSENT  # a result that cannot be read is made again

    def add(self, key: bytes, value: object) -> None:
        """Keep ``value`` under ``key`` (written at the next `flush`), if it can be kept."""
        if self.off:
            return
        try:
            data = encode(value)
        except (TypeError, ValueError):
            return
        with self.lock:
            self.pending.append((key, data))
            full = len(self.pending) >= FLUSH_AT
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the results made since the last flush."""
        with self.lock:
            rows, self.pending = self.pending, []
        if not rows:
            return
        con = self._connection()
        if con is None:
            return
        rows.sort()  # in the order of the table: its pages written once each
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany("INSERT OR IGNORE INTO results VALUES (?, ?)", rows)
            con.execute("COMMIT")
        except (sqlite3.Error, OSError):
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            self.off = True  # full, read-only, damaged: not used further by this process

    def close(self) -> None:
        """Close this thread's connection (each batch's end: a process does not hold the file
        open between batches); what is unwritten stays for the next `flush`."""
        con = getattr(self.local, "con", None)
        if con is not None:
            self.local.con = None
            with contextlib.suppress(sqlite3.Error):
                con.close()

    def release(self) -> None:
        """Write what is unwritten and close this thread's connection (the cleaning's end: the
        next run looks again whether the store holds anything)."""
        self.flush()
        self.close()
        self.empty = None


ABSENT = _ABSENT  # what `Store.get` gives for a key it does not hold


class StoreAt(NamedTuple):
    """Where a run keeps paragraph results (`Store`), as a value a batch carries to whatever
    cleans it: the file, its scope, and the run's process. A batch cleaned in another process
    (a pool's, a Dask worker's) writes its results when it ends; the run's own process writes
    them all when its cleaning ends."""

    path: str
    scope: str
    pid: int


_STORES: dict[tuple[str, str], Store] = {}
_STORES_LOCK = threading.Lock()


@atexit.register
def _flush_all() -> None:
    """What a process's stores hold unwritten when it ends (a worker's last batches)."""
    for store in list(_STORES.values()):
        with contextlib.suppress(Exception):
            store.release()


def store_for(path: str | Path, scope: str) -> Store:
    """The process's `Store` of ``path`` and ``scope`` (one, shared by its threads)."""
    key = (str(path), scope)
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = Store(Path(path), scope)
        return _STORES[key]


class Stored(Memo):
    """A memo (sharing its entries) in front of a `Store`: a result not in the memo is looked
    up in the store, and a result made is kept in both. (A result the process's memo had
    before, made for another output folder, is not added to this one's store.)"""

    def __init__(self, memo: Memo, store: Store) -> None:
        self.size, self.entries, self.store = memo.size, memo.entries, store
        self.hits = self.misses = 0

    def get_or_make(self, key: bytes, make: Callable[[], T]) -> T:
        value = self.entries.get(key, _ABSENT)
        if value is _ABSENT:
            value = _ABSENT if self.store.empty else self.store.get(key)
            if value is _ABSENT:
                self.misses += 1
                value = make()
                self.store.add(key, value)
            else:
                self.hits += 1
            Memo.put(self, key, value)
            return value  # type: ignore[return-value]
        with contextlib.suppress(KeyError):  # dropped since by another thread
            self.entries.move_to_end(key)
        self.hits += 1
        return value  # type: ignore[return-value]

    def get(self, key: bytes) -> object | None:
        value = super().get(key)
        if value is None:
            found = self.store.get(key)
            if found is not _ABSENT and found is not None:
                Memo.put(self, key, found)
                return found
        return value

    def put(self, key: bytes, value: object) -> None:
        """Keep a result made (in the memo and the store)."""
        Memo.put(self, key, value)
        self.store.add(key, value)
