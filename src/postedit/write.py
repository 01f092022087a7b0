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
import json
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .model import Article
from .render import article_diff, article_file_text, corpus_record, safe_name, to_json_line
from .review import article_page, index_pages

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


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    """Write ``text`` (UTF-8, newlines untranslated) to ``path`` atomically.

    ``durable``: fsync the file before the rename and the folder after it, so that it survives a
    power cut; without it the file is still replaced atomically (a killed process leaves the old
    or the new one), and a later `os.sync` makes it durable (`write_corpus` does so once).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(path.parent)


def json_text(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json_text(obj))


def write_if_changed(path: Path, text: str, durable: bool = True) -> bool:
    """Write ``text`` atomically unless ``path`` holds exactly these bytes; True if written."""
    try:
        if Path(path).read_bytes() == text.encode("utf-8"):
            return False
    except OSError:
        pass
    atomic_write_text(path, text, durable)
    return True


def _remove_stale(folder: Path, suffix: str, keep: set[str]) -> int:
    """Remove the ``*suffix`` files in ``folder`` not in ``keep`` (leftover temp files too)."""
    removed = 0
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.name.endswith(suffix) and path.name not in keep and not path.is_dir():
                path.unlink()
                removed += 1
    return removed


def _remove_temporary(output_dir: Path) -> None:
    """Temporary files a killed run left at the top of ``output_dir`` (the folders' own are
    removed with their stale files)."""
    if output_dir.is_dir():
        for path in output_dir.glob(".tmp-*"):
            with contextlib.suppress(OSError):
                path.unlink()


def write_review(
    folder: Path,
    articles: list[Article],
    records: list[dict[str, Any]],
    stories: dict[str, Any],
    names: dict[str, str],
) -> dict[str, int]:
    """The review site: ``index.html`` and ``articles/<name>.html``; returns file counts."""
    counts = {"written": 0, "unchanged": 0, "removed": 0}
    texts = {r["id"]: r["text"] for r in records}
    for article, record in zip(articles, records, strict=True):
        story = stories.get(record["cluster"]["id"])
        page = article_page(article, record, story, texts)
        written = write_if_changed(folder / "articles" / f"{names[article.id]}.html", page, False)
        counts["written" if written else "unchanged"] += 1
    keep = {f"{n}.html" for n in names.values()}
    counts["removed"] += _remove_stale(folder / "articles", ".html", keep)
    for name, page in index_pages(records).items():
        write_if_changed(folder / name, page, False)
    return counts


def write_corpus(
    output_dir: Path,
    articles: Iterable[Article],
    report: dict[str, Any],
    clusters: dict[str, dict[str, Any]] | None = None,
    cluster_report: dict[str, Any] | None = None,
    dedup_state: dict[str, Any] | None = None,
    cache_entries: dict[str, str] | None = None,
) -> dict[str, int]:
    """Write ``articles/<name>.txt``, ``diffs/<name>.diff`` and a review page per article, the
    de-duplication files, ``corpus.jsonl`` (sorted by id), the cache entries of the articles
    cleaned by this run (``cache_entries``: id -> entry), then ``report.json``; remove the
    files of articles no longer in the corpus, and temporary files a killed run left.

    Returns counts of article, diff and review files ``written``, ``unchanged`` (left alone)
    and ``removed``; they are also the report's ``outputs``. Raises ValueError, before writing
    anything, if two articles would share a file name (the same id, or ids with one safe name).
    """
    started = time.perf_counter()
    output_dir = Path(output_dir)
    ordered = sorted(articles, key=lambda a: a.id)
    names = {a.id: safe_name(a.id) for a in ordered}
    if len(set(names.values())) != len(ordered):
        raise ValueError("two articles have the same id (or ids that map to one file name)")
    counts = {"written": 0, "unchanged": 0, "removed": 0}
    _remove_temporary(output_dir)
    for article in ordered:
        name = names[article.id]
        for path, text in (
            (output_dir / "articles" / f"{name}.txt", article_file_text(article)),
            (output_dir / "diffs" / f"{name}.diff", article_diff(article)),
        ):
            counts["written" if write_if_changed(path, text, False) else "unchanged"] += 1
    records = [corpus_record(a, (clusters or {}).get(a.id)) for a in ordered]
    if cluster_report is not None:
        write_if_changed(output_dir / "clusters.json", json_text(cluster_report), False)
    if dedup_state is not None:
        state = json.dumps(dedup_state, ensure_ascii=False) + "\n"
        write_if_changed(output_dir / STATE_FILE, state, False)
    pages = write_review(output_dir / "review", ordered, records, cluster_report or {}, names)
    for key, value in pages.items():
        counts[key] += value
    for article_id, entry in sorted((cache_entries or {}).items()):
        write_if_changed(output_dir / CACHE_DIR / f"{names[article_id]}.json", entry, False)
    # one sync for all the files above (a fsync each costs more than writing them), then the
    # corpus, which refers to them, each file durable on its own
    os.sync()
    kept = "".join(to_json_line(r) for r in records if r["cluster"]["role"] != "duplicate")
    write_if_changed(output_dir / "corpus.dedup.jsonl", kept)
    write_if_changed(output_dir / "corpus.jsonl", "".join(to_json_line(r) for r in records))
    kept_names = set(names.values())
    for folder, suffix in (("articles", ".txt"), ("diffs", ".diff")):
        keep = {f"{n}{suffix}" for n in kept_names}
        counts["removed"] += _remove_stale(output_dir / folder, suffix, keep)
    _remove_stale(output_dir / CACHE_DIR, ".json", {f"{n}.json" for n in kept_names})
    report["outputs"] = dict(counts)
    report.setdefault("timings", {})["write"] = round(time.perf_counter() - started, 4)
    write_if_changed(output_dir / "report.json", json_text(report))
    return counts
