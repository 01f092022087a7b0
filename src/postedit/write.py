"""Writing the outputs. Every file is written atomically (temp file, fsync, rename), files whose
content is unchanged are left alone, and ``report.json`` is written last."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .model import Article
from .render import article_diff, article_file_text, corpus_record, to_json_line

STATE_FILE = "dedup-state.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(article_id: str) -> str:
    """A file name for an id: the id itself where it is safe, else a cleaned form plus a hash."""
    cleaned = _UNSAFE.sub("_", article_id).lstrip(".")[:120]
    if cleaned == article_id and cleaned:
        return cleaned
    digest = hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:10]
    return f"{cleaned or 'article'}_{digest}"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_text(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically; return False (writing nothing) if it is unchanged."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return True


def atomic_write_json(path: Path, obj: Any) -> bool:
    return atomic_write_text(
        path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )


def _remove_stale(folder: Path, suffix: str, keep: set[str]) -> int:
    removed = 0
    if folder.is_dir():
        for path in folder.iterdir():
            if path.suffix == suffix and path.name not in keep:
                path.unlink()
                removed += 1
    return removed


def write_corpus(
    output_dir: Path,
    articles: Iterable[Article],
    report: dict[str, Any],
    clusters: dict[str, dict[str, Any]] | None = None,
    cluster_report: dict[str, Any] | None = None,
    dedup_state: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Write the article files and diffs, the de-duplication files, then ``corpus.jsonl``, then
    ``report.json``."""
    ordered = sorted(articles, key=lambda a: a.id)
    counts = {"written": 0, "unchanged": 0, "removed": 0}
    names = set()
    for article in ordered:
        name = safe_name(article.id)
        names.add(name)
        for path, text in (
            (output_dir / "articles" / f"{name}.txt", article_file_text(article)),
            (output_dir / "diffs" / f"{name}.diff", article_diff(article)),
        ):
            counts["written" if atomic_write_text(path, text) else "unchanged"] += 1
    records = [corpus_record(a, (clusters or {}).get(a.id)) for a in ordered]
    if cluster_report is not None:
        atomic_write_json(output_dir / "clusters.json", cluster_report)
    if dedup_state is not None:
        atomic_write_text(
            output_dir / STATE_FILE, json.dumps(dedup_state, ensure_ascii=False) + "\n"
        )
    kept = "".join(to_json_line(r) for r in records if r["cluster"]["role"] != "duplicate")
    atomic_write_text(output_dir / "corpus.dedup.jsonl", kept)
    atomic_write_text(output_dir / "corpus.jsonl", "".join(to_json_line(r) for r in records))
    counts["removed"] += _remove_stale(output_dir / "articles", ".txt", {f"{n}.txt" for n in names})
    counts["removed"] += _remove_stale(output_dir / "diffs", ".diff", {f"{n}.diff" for n in names})
    atomic_write_json(output_dir / "report.json", report)
    return counts
