"""Writing the outputs (with read.py, the only module that touches the disk).

Every file is written atomically (temp file in the same folder, rename), so a reader sees either
the old file or the new one; the per-article files are made durable by one sync before the
corpus that refers to them is written, and the corpus and the report each with fsync. Files
whose bytes would not change are left alone, so their mtimes stay put on re-runs.
``corpus.jsonl`` is written after the per-article files and ``report.json`` last: a run that
dies half-way leaves the previous corpus in place.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from .dedup import Clusters, State, Stories, story_text, text_key
from .jsonio import compact, indented, parse
from .memo import content_key
from .model import Article
from .render import (
    article_diff,
    article_file_text,
    clean_text,
    corpus_record,
    safe_name,
    to_json_line,
)
from .review import article_page, boilerplate_page, index_pages, index_row, page_stories, page_story

__all__ = [
    "STATE_FILE",
    "atomic_write_json",
    "atomic_write_text",
    "safe_name",
    "write_corpus",
    "write_if_changed",
]

STATE_FILE = "dedup-state.json"
CACHE_DIR = "cache"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/filesystem lets a folder be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_NUMBERS = itertools.count()  # this process's temporary files


def _temporary(folder: Path, suffix: str) -> tuple[int, str]:
    """A new temporary file in ``folder`` (for a rename over its target), made as ``open()``
    makes a file (the permissions the umask gives new files), under a name no other process
    writing there has: its process number and a count."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)  # Windows: bytes as written
    while True:
        tmp = os.path.join(folder, f".tmp-{os.getpid()}-{next(_NUMBERS)}{suffix}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue  # left by a killed process that had this number


def _temporary_made(folder: str, suffix: str) -> tuple[int, str]:
    """`_temporary`, making ``folder`` first if it does not exist (tried first: it mostly does)."""
    try:
        return _temporary(folder, suffix)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        return _temporary(folder, suffix)


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _put_in_place(tmp: str, path: Path | str, durable: bool) -> None:
    """Rename the written temporary file ``tmp`` over ``path`` (removed if that fails), and
    fsync the folder if ``durable``."""
    try:
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise
    if durable:
        _fsync_dir(Path(os.path.dirname(os.fspath(path)) or "."))


@contextlib.contextmanager
def atomic_file(path: Path, binary: bool = False, durable: bool = True) -> Iterator[IO[Any]]:
    """A file to write (text in UTF-8 with newlines untranslated, or ``binary``) that replaces
    ``path`` whole when the block ends, and never if the block fails.

    ``durable``: fsync the file before the rename and the folder after it, so that it survives a
    power cut; without it the file is still replaced atomically (a killed process leaves the old
    or the new one), and a later `os.sync` makes it durable (`write_corpus` does so once).
    """
    path = Path(path)
    fd, tmp = _temporary_made(str(path.parent), path.suffix)
    try:
        with open(fd, "wb") if binary else open(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        _discard(tmp)
        raise
    _put_in_place(tmp, path, durable)


def atomic_write_bytes(path: Path | str, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` as `atomic_file` does, without a file object (a file per
    article in four folders: their cost is the system calls)."""
    name = os.fspath(path)
    folder = os.path.dirname(name) or "."
    fd, tmp = _temporary_made(folder, os.path.splitext(name)[1])
    try:
        try:
            view, done = memoryview(data), 0
            while done < len(view):
                done += os.write(fd, view[done:])
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _discard(tmp)
        raise
    _put_in_place(tmp, name, durable)


def atomic_write_text(path: Path | str, text: str, durable: bool = True) -> None:
    """Write ``text`` to ``path`` atomically, in UTF-8 (`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"), durable)


def story_texts(stories: Mapping[str, Any]) -> Mapping[str, str]:
    """Each story's evidence as its JSON text (`postedit.dedup.story_text`): a line of
    ``clusters.json``, and what an article's render key reads of its story."""
    if isinstance(stories, Stories):
        return stories.texts
    return {k: story_text(v) for k, v in stories.items()}


def stories_chunks(
    stories: Mapping[str, Any], texts: Mapping[str, str] | None = None
) -> Iterator[str]:
    """``clusters.json`` a story at a time (for `write_streamed`): a JSON object with one story
    per line, sorted by id (compact lines: the C encoder, many times faster than indenting a
    file of thousands of stories). ``texts``: `story_texts` of ``stories``, if already made."""
    texts = story_texts(stories) if texts is None else texts
    yield "{\n"
    for n, k in enumerate(sorted(stories)):
        separator = ",\n" if n else ""
        yield f"{separator}{json.dumps(k, ensure_ascii=False)}: {texts[k]}"
    yield "\n}\n"


class EarlierStories:
    """The stories of the ``clusters.json`` the last run wrote (`stories_chunks`), to be taken
    again by the de-duplication of this run (`postedit.dedup.cluster`) where made from the same
    things: ``entries`` (the manifest's ``story_evidence``) gives each story's `evidence_key`
    and a hash of its text. Where each line is is read once; a story's text is read when asked
    for, and given only if its key matches and its text is the one the manifest names."""

    def __init__(self, path: Path, entries: Mapping[str, Any]) -> None:
        self.entries = entries
        self.where: dict[str, tuple[int, int]] = {}  # story id -> (offset, length) of its text
        self.handle: IO[bytes] | None = None
        if not entries:
            return
        try:
            self.handle = open(path, "rb")  # noqa: SIM115 (closed by `close`)
        except OSError:
            return
        decoder = json.JSONDecoder()
        at = 0
        for line in iter(self.handle.readline, b""):
            start, at = at, at + len(line)
            if not line.startswith(b'"'):
                continue  # the braces around the stories
            found = _story_id(decoder, line[: line.find(b": {") + 3]) or _story_id(decoder, line)
            if found is None:
                continue
            story_id, offset = found
            offset += start
            self.where[story_id] = (offset, len(line.rstrip(b"\n").rstrip(b",")) - (offset - start))

    def __call__(self, story_id: str, key: str) -> tuple[str, str] | None:
        entry = self.entries.get(story_id)
        where = self.where.get(story_id)
        if (
            self.handle is None
            or where is None
            or not isinstance(entry, list)
            or entry[:1] != [key]
        ):
            return None
        try:
            self.handle.seek(where[0])
            text = self.handle.read(where[1]).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        hashed = text_key(text)
        return (text, hashed) if entry[1:2] == [hashed] else None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def _story_id(decoder: json.JSONDecoder, line: bytes) -> tuple[str, int] | None:
    """The id a line of ``clusters.json`` starts with, and where its story's text starts
    (bytes); None if ``line`` (or the start of one) is not so."""
    try:
        text = line.decode("utf-8")
        story_id, end = decoder.raw_decode(text)
    except ValueError:
        return None
    if not isinstance(story_id, str) or not text.startswith(": {", end):
        return None
    return story_id, len(text[: end + 2].encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, indented(obj))


def write_if_changed(
    path: Path | str, text: str, durable: bool = True, present: bool = True
) -> bool:
    """Write ``text`` atomically unless ``path`` holds exactly these bytes; True if written.
    ``present=False``: the caller knows there is no file at ``path`` (it is not read)."""
    data = text.encode("utf-8")
    if present:
        try:
            with open(path, "rb") as handle:
                if handle.read() == data:
                    return False
        except OSError:
            pass
    atomic_write_bytes(path, data, durable)
    return True


def files_in(folder: Path) -> set[str]:
    """The names of the files (not folders) in ``folder``; none if it does not exist."""
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries if not e.is_dir()}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _remove_stale(folder: Path, suffix: str, keep: set[str], present: set[str]) -> int:
    """Remove the ``*suffix`` files of ``present`` (the files ``folder`` held before the run
    wrote, `files_in`) not in ``keep``, leftover temp files too."""
    removed = 0
    for name in sorted(n for n in present - keep if n.endswith(suffix)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / name)
            removed += 1
    return removed


def _remove_temporary(output_dir: Path) -> None:
    """Temporary files a killed run left at the top of ``output_dir`` and in ``review/`` (the
    index pages, written a piece at a time); the article folders' own are removed with their
    stale files."""
    for folder in (output_dir, output_dir / "review"):
        if folder.is_dir():
            for path in folder.glob(".tmp-*"):
                with contextlib.suppress(OSError):
                    path.unlink()


class Source(Protocol):
    """Articles by id: a run's cache (`postedit.runner.Run`) or a list in memory."""

    @property
    def ids(self) -> list[str]: ...

    def get(self, article_id: str) -> Article: ...


class _InMemory:
    def __init__(self, articles: Iterable[Article]) -> None:
        self.articles = list(articles)
        self.by_id = {a.id: a for a in self.articles}

    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.articles]

    def get(self, article_id: str) -> Article:
        return self.by_id[article_id]


TEXTS_KEPT = 2048  # articles' clean texts kept for the review pages that quote them (~5 MB)


class _Texts:
    """The clean text of any article of ``source``, loaded when a review page quotes it (the
    last `TEXTS_KEPT` loaded are kept: a story's pages quote its members again and again)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.recent: OrderedDict[str, str] = OrderedDict()

    def get(self, article_id: str, default: str = "") -> str:
        if article_id in self.recent:
            self.recent.move_to_end(article_id)
            return self.recent[article_id]
        try:
            text = clean_text(self.source.get(article_id))
        except (KeyError, OSError, ValueError):
            return default
        self.put(article_id, text)
        return text

    def put(self, article_id: str, text: str) -> None:
        """Keep the clean text of an article just loaded for its own outputs: the pages of its
        story written after it quote it (its members come mostly after the first report)."""
        self.recent[article_id] = text
        self.recent.move_to_end(article_id)
        if len(self.recent) > TEXTS_KEPT:
            self.recent.popitem(last=False)


STORIES_SHOWN = 64  # stories whose members' page parts `_Pages` keeps


class _Pages:
    """What each article's page shows of its story (`page_story`), made for all the story's
    members at once (`page_stories`) and kept for the last `STORIES_SHOWN` stories: articles
    are written in id order, a story's members mostly close together, and `page_story` of one
    member reads the whole story (a story of n members would cost n squared)."""

    def __init__(self, stories: Mapping[str, Any]) -> None:
        self.stories = stories
        self._parts = functools.lru_cache(maxsize=STORIES_SHOWN)(self._made)

    def _made(self, story_id: str) -> tuple[Any, dict[str, Any]]:
        story = self.stories.get(story_id)
        return story, page_stories(story) if story else {}

    def of(self, story_id: str, article_id: str) -> tuple[Any, dict[str, Any] | None]:
        """(the story, what ``article_id``'s page shows of it), (None, None) if no story."""
        story, parts = self._parts(story_id)
        if not story:
            return story, None
        return story, parts.get(article_id) or page_story(article_id, story)


class _Streamed:
    """A file written line by line into a temporary file, put in place by `commit` only if its
    bytes differ from the file there (so an unchanged corpus keeps its mtime)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = _temporary(path.parent, path.suffix)
        self.handle = open(fd, "wb")  # noqa: SIM115
        self.size = 0

    def write(self, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        self.handle.write(data)
        self.size += len(data)

    def commit(self) -> bool:
        """Make the file durable and put it in place; True if it was written."""
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        if self._same_size() and _same_bytes(self.tmp, self.path):
            os.unlink(self.tmp)
            return False
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)
        return True

    def _same_size(self) -> bool:
        """Is the file in place as long as this one? (Else it differs: its bytes are not read.)"""
        try:
            return self.path.stat().st_size == self.size
        except OSError:
            return False

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


def write_streamed(path: Path, chunks: Iterable[str], batch: int = 1 << 20) -> bool:
    """Write the text made of ``chunks`` to ``path`` as `_Streamed` does (in place only if its
    bytes differ), about ``batch`` characters at a time; True if written."""
    stream = _Streamed(path)
    try:
        held: list[str] = []
        size = 0
        for chunk in chunks:
            held.append(chunk)
            size += len(chunk)
            if size >= batch:
                stream.write("".join(held))
                held, size = [], 0
        stream.write("".join(held))
        return stream.commit()
    except BaseException:
        stream.discard()
        raise


def _passage_text(texts: _Texts, where: dict[str, Any]) -> str:
    """The clean text of a passage (``where``: article id, paragraph, span), or ""."""
    paragraphs = texts.get(str(where["id"])).split("\n\n")
    number, (start, end) = int(where["paragraph"]), where["span"]
    return paragraphs[number][start:end] if number < len(paragraphs) else ""


def _same_bytes(a: str | Path, b: str | Path, block: int = 1 << 20) -> bool:
    """Do two files of one size hold the same bytes? Read side by side, a block at a time (a
    file that differs mostly differs early); False if either cannot be read."""
    try:
        with open(a, "rb") as one, open(b, "rb") as other:
            while True:
                x, y = one.read(block), other.read(block)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


def _stamp_finished(report: dict[str, Any]) -> None:
    """The run's end, as the report is written: ``run.finished`` and ``run.seconds``."""
    run = report.get("run")
    if isinstance(run, dict) and run.get("started"):
        now = datetime.now(UTC)
        run["finished"] = now.isoformat(timespec="milliseconds")
        started = datetime.fromisoformat(run["started"])
        run["seconds"] = round((now - started).total_seconds(), 3)


ARTICLE_FOLDERS = (("articles", ".txt"), ("diffs", ".diff"), ("review/articles", ".html"))
"""Where an article's files are, and their suffix: its clean text, its diff, its review page."""


def files_in_place(output_dir: Path, names: Iterable[str]) -> bool:
    """Are the files of every article of ``names`` (`safe_name`) in ``output_dir``? One
    listing of each folder, not a look-up of each file."""
    present = [(files_in(Path(output_dir) / f), suffix) for f, suffix in ARTICLE_FOLDERS]
    return all(f"{n}{suffix}" in files for n in names for files, suffix in present)


def render_keys(
    fingerprints: Mapping[str, str],
    clusters: Mapping[str, Mapping[str, Any]],
    stories: Mapping[str, Any],
    texts: Mapping[str, str] | None = None,
    earlier: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """For each article, a hash of everything its outputs are rendered from: the article (its
    fingerprint), its cluster record, and what its review page shows of its story (`page_story`:
    its links, their passages, and the articles at their other end, with their roles and
    fingerprints, whose passages it quotes). An article whose key has not changed since the last
    run has the same outputs. Also each story's key: its evidence (its `text_key`, which
    `Stories` keeps) and its members' fingerprints.

    ``texts``: `story_texts` of ``stories``, if made. ``earlier``: the last run's keys (of
    articles, of stories): the members of a story whose key is unchanged keep theirs, and its
    evidence is not read (a new member changes its story's key, and the pages of the articles
    it is linked to, not every member's page)."""
    texts = story_texts(stories) if texts is None else texts
    hashed = stories.keys if isinstance(stories, Stories) else {}  # texts hashed when made
    members: dict[str, list[str]] = {}  # a story's members: the articles clustered under it
    for article_id, cluster in records_of(clusters):
        members.setdefault(str(cluster.get("id")), []).append(article_id)
    last_keys, last_stories = earlier or ({}, {})
    keys: dict[str, str] = {}
    story_keys: dict[str, str] = {}
    for story_id, text in texts.items():
        group = members.get(story_id, ())
        text_hash = hashed[story_id][1] if story_id in hashed else text_key(text)
        story_keys[story_id] = key = content_key(
            text_hash, *(fingerprints.get(m, "archived") for m in group)
        ).hex()
        written = [m for m in group if m in fingerprints]  # not the archived: no outputs
        if last_stories.get(story_id) == key and all(m in last_keys for m in written):
            keys.update((m, last_keys[m]) for m in written)
            continue
        story = parse(text)
        parts = page_stories(story)
        for m in written:
            fp = fingerprints[m]
            shown = parts.get(m) or page_story(m, story)
            quoted = [fingerprints.get(i, "archived") for i, _ in shown["linked"]]
            part = compact([shown, quoted], sort_keys=True)
            keys[m] = content_key(fp, compact(clusters[m], sort_keys=True), part).hex()
    for article_id, cluster in records_of(clusters):
        fp = fingerprints.get(article_id)
        if fp is not None and article_id not in keys:  # in no story of several articles
            keys[article_id] = content_key(fp, compact(cluster, sort_keys=True), "").hex()
    alone = compact({})  # an article without a record: an empty one
    return {
        i: keys.get(i) or content_key(fp, alone, "").hex() for i, fp in fingerprints.items()
    }, story_keys


def records_of(
    clusters: Mapping[str, Mapping[str, Any]],
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(id, cluster record) of every article, in order of id (`Clusters.records`, for one)."""
    if isinstance(clusters, Clusters):
        return clusters.records()
    return ((i, clusters[i]) for i in sorted(clusters))


class _Earlier:
    """The lines of the corpus the last run wrote, read once, in order, as the ids (sorted the
    same way) ask for them; as bytes, which are written again as they are."""

    def __init__(self, path: Path) -> None:
        try:
            self.handle: Any = open(path, "rb")  # noqa: SIM115
        except OSError:
            self.handle = None
        self.current: tuple[str, bytes, dict[str, Any]] | None = None

    def line(self, article_id: str) -> tuple[bytes, dict[str, Any]] | None:
        """The line and record of ``article_id``, or None (not there, or unreadable)."""
        while self.handle is not None:
            if self.current is None:
                text = self.handle.readline()
                if not text:
                    self.close()
                    return None
                if not text.endswith(b"\n"):
                    continue  # a line cut short: its article is written again
                try:
                    record = parse(text)
                    self.current = (str(record["id"]), text, record)
                except (ValueError, KeyError, TypeError):
                    continue
            found, text, record = self.current
            if found == article_id:
                self.current = None
                return text, record
            if found > article_id:
                return None
            self.current = None  # an article no longer in the corpus
        return None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def write_report(output_dir: Path, report: dict[str, Any], counts: Mapping[str, int]) -> None:
    """``report.json``, last: the outputs it counts, when the run finished."""
    report["outputs"] = {"written": 0, "unchanged": 0, "removed": 0, **counts}
    _stamp_finished(report)
    write_if_changed(Path(output_dir) / "report.json", indented(report))


def write_corpus(
    output_dir: Path,
    articles: Iterable[Article] | Source,
    report: dict[str, Any],
    clusters: Mapping[str, Mapping[str, Any]] | None = None,
    cluster_report: Mapping[str, Any] | None = None,
    dedup_state: State | str | dict[str, Any] | None = None,
    story_texts_made: Mapping[str, str] | None = None,  # `story_texts` of cluster_report
    cache_entries: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    rendered: dict[str, str] | None = None,
    previous: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Write ``articles/<name>.txt``, ``diffs/<name>.diff`` and a review page per article, the
    de-duplication files, ``corpus.jsonl`` (sorted by id), the cache entries of the articles
    cleaned by this run (``cache_entries``: id -> entry), then ``report.json``; remove the
    files of articles no longer in the corpus, and temporary files a killed run left.

    ``articles`` is a list, or a `Source` that loads each article when its turn comes: the
    articles are written one at a time and the corpus is streamed to disk, so writing holds
    one article, not the corpus.

    Returns counts of article, diff and review files ``written``, ``unchanged`` (left alone)
    and ``removed``; they are also the report's ``outputs``. ``progress`` is told (done, total)
    every 100 articles and at the end. Raises ValueError, before writing
    anything, if two articles would share a file name (the same id, or ids with one safe name).

    ``rendered`` holds each article's render key (`render_keys`), ``previous`` the keys the
    last run wrote: an article whose key is unchanged, and whose files are in place, is not
    rendered again (its corpus line is taken from the corpus on disk). An article that cannot
    be written loses its key in ``rendered``.
    """
    started = time.perf_counter()
    output_dir = Path(output_dir)
    source: Source = articles if hasattr(articles, "get") else _InMemory(articles)  # type: ignore[arg-type,assignment]
    ids = sorted(source.ids)
    names = {i: safe_name(i) for i in ids}
    if len(set(names.values())) != len(ids):
        raise ValueError("two articles have the same id (or ids that map to one file name)")
    counts = {"written": 0, "unchanged": 0, "removed": 0}
    _remove_temporary(output_dir)
    stories = cluster_report or {}
    texts = _Texts(source)
    pages = _Pages(stories)
    rows: list[dict[str, Any]] = []  # what the index pages show of each article
    failed: list[dict[str, str]] = []
    sources: dict[str, str] = getattr(source, "sources", {})  # id -> input file, for errors
    present = {f: files_in(output_dir / f) for f, _ in (*ARTICLE_FOLDERS, (CACHE_DIR, ".json"))}
    earlier = _Earlier(output_dir / "corpus.jsonl") if rendered and previous else None
    corpus = _Streamed(output_dir / "corpus.jsonl")
    kept = _Streamed(output_dir / "corpus.dedup.jsonl")
    try:
        for done, article_id in enumerate(ids):
            if progress and done % 100 == 0:
                progress(done, len(ids))
            name = names[article_id]
            key = (rendered or {}).get(article_id)
            if (
                earlier is not None
                and key is not None
                and (previous or {}).get(article_id) == key
                and all(f"{name}{suffix}" in present[f] for f, suffix in ARTICLE_FOLDERS)
            ):
                found = earlier.line(article_id)
                if found is not None:
                    line, record = found
                    counts["unchanged"] += 3
                    corpus.write(line)
                    if record["cluster"]["role"] != "duplicate":
                        kept.write(line)
                    rows.append(index_row(record))
                    continue
            try:
                article = source.get(article_id)
                record = corpus_record(article, (clusters or {}).get(article_id))
                texts.put(article_id, record["text"])
                story, shown = pages.of(record["cluster"]["id"], article_id)
                page = article_page(article, record, story, texts, shown)
                line = to_json_line(record)
                texts_of = (article_file_text(article), article_diff(article), page)
                for (folder, suffix), text in zip(ARTICLE_FOLDERS, texts_of, strict=True):
                    file = f"{name}{suffix}"
                    path = os.path.join(output_dir, folder, file)
                    written = write_if_changed(path, text, False, file in present[folder])
                    counts["written" if written else "unchanged"] += 1
            except OSError:
                raise  # the output folder itself (full, read-only): every article would fail
            except Exception as exc:  # one article never stops the run: it is left out, said
                message = f"cannot write the cleaned article: {type(exc).__name__}: {exc}"
                failed.append({"source": sources.get(article_id, article_id), "message": message})
                if rendered is not None:
                    rendered.pop(article_id, None)
                continue
            corpus.write(line)
            if record["cluster"]["role"] != "duplicate":
                kept.write(line)
            rows.append(index_row(record))
        if progress:
            progress(len(ids), len(ids))
        if cluster_report is not None:
            lines = stories_chunks(cluster_report, story_texts_made)  # streamed, never one text
            write_streamed(output_dir / "clusters.json", lines)
        if isinstance(dedup_state, State):
            write_streamed(output_dir / STATE_FILE, dedup_state.chunks())
        elif dedup_state is not None:
            state = (
                dedup_state
                if isinstance(dedup_state, str)
                else json.dumps(dedup_state, ensure_ascii=False) + "\n"
            )
            write_if_changed(output_dir / STATE_FILE, state, False)
        dedup = report.get("dedup") or {}
        entries = [
            {**e, "text": _passage_text(texts, e["example"])} for e in dedup.get("boilerplate", [])
        ]
        page = boilerplate_page(entries, int(dedup.get("boilerplate_passages", len(entries))))
        write_if_changed(output_dir / "review" / "boilerplate.html", page, False)
        demoted = (report.get("trust") or {}).get("demoted") or []
        for page_name, parts in index_pages(rows, demoted):  # one page at a time, in pieces
            write_streamed(output_dir / "review" / page_name, parts)
        for article_id, entry in sorted((cache_entries or {}).items()):
            file = f"{names[article_id]}.json"
            in_place = file in present[CACHE_DIR]
            write_if_changed(output_dir / CACHE_DIR / file, entry, False, in_place)
        # one sync for all the files above (a fsync each costs more than writing them), then the
        # corpus, which refers to them, each file durable on its own
        os.sync()
        kept.commit()
        corpus.commit()
    except BaseException:
        kept.discard()
        corpus.discard()
        raise
    finally:
        if earlier is not None:
            earlier.close()
    kept_names = set(names.values())
    for folder, suffix in ARTICLE_FOLDERS:
        keep = {f"{n}{suffix}" for n in kept_names}
        counts["removed"] += _remove_stale(output_dir / folder, suffix, keep, present[folder])
    keep = {f"{n}.json" for n in kept_names}
    _remove_stale(output_dir / CACHE_DIR, ".json", keep, present[CACHE_DIR])
    if failed:  # the report was made before writing: it says so now
        report["errors"] = [*report.get("errors", []), *failed]
        report["failed"] = report.get("failed", 0) + len(failed)
        report["articles"] = report.get("articles", len(ids)) - len(failed)
        report["status"] = "partial"
    report.setdefault("timings", {})["write"] = round(time.perf_counter() - started, 4)
    write_report(output_dir, report, counts)
    return counts
