"""Incremental runs: which articles must be cleaned again, and the cache of cleaned articles.

An article is cleaned again only when its *fingerprint* changes. The fingerprint is a hash of

- the article as read: its id, source, raw text, title, metadata and languages (so a changed
  file, or a changed ``--language`` default, changes it);
- the bytes of every rule pack that applies to its language and source language (a change to
  ``rules/en/from-ar/`` reprocesses English articles translated from Arabic and nothing else);
- the editors' decisions about it (its own, and "off" decisions for its source);
- the code: postedit's version and a hash of its source files;
- the grammar checker the run uses (and the LanguageTool server it asks).

Each cleaned article is kept, with its edits and fingerprint, in ``OUTPUT/cache/<name>.json``.
De-duplication and writing always see the whole corpus (cached and new articles alike), so new
articles are matched against earlier ones and a deleted input leaves the corpus. The cache is
also where a run keeps what it cleaned until it writes the corpus: a run holds summaries, not
texts (see `postedit.runner.Run`). Deleting the cache folder (or ``postedit run --force``) makes
the next run clean everything again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .decisions import Decisions
from .jsonio import Lines, compact, entry_lines, parse
from .model import Article, article_from_dict, article_to_dict
from .render import safe_name
from .rules import Rules
from .write import CACHE_DIR, atomic_write_text, write_streamed

CACHE_VERSION = 1


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """postedit's version and a hash of its installed source files, schema and the templates
    the review pages are rendered with (a page changes with them)."""
    digest = hashlib.sha256(f"postedit {__version__} cache {CACHE_VERSION}\0".encode())
    package = resources.files("postedit")
    files = sorted(
        (p for p in Path(str(package)).rglob("*") if p.suffix in (".py", ".json", ".html")),
        key=lambda p: p.as_posix(),
    )
    for path in files:
        digest.update(path.relative_to(str(package)).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def input_fingerprint(article: Article) -> str:
    """A hash of everything reading gave for ``article`` (what cleaning added excluded)."""
    data = article_to_dict(article)
    data.pop("edits")
    data.pop("entities")
    data.pop("translation")
    data.pop("raw")  # raw_sha256 stands for it
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(
    article: Article, rules: Rules, decisions: Decisions | None, extra: str = ""
) -> tuple[str, str]:
    """What `clean_article` depends on, as one hash (see the module docstring), with the
    article's `input_fingerprint` it is made from (its summary keeps it); ``extra`` is the run
    configuration that matters too (the grammar checker)."""
    given = input_fingerprint(article)
    known = Known(article.id, article.source, article.language, article.source_language)
    return fingerprint_of(given, known, rules, decisions, extra), given


@dataclass(frozen=True)
class Known:
    """What the fingerprint reads of an article besides its input fingerprint."""

    id: str
    source: str
    language: str | None
    source_language: str | None


def fingerprint_of(
    input_fp: str, known: Known, rules: Rules, decisions: Decisions | None, extra: str = ""
) -> str:
    """`fingerprint` from an article's input fingerprint (kept by the last run, `Manifest`)."""
    digest = _hashed(extra, code_fingerprint()).copy()  # what every article's starts with
    about = decisions.about(known.id, known.source) if decisions else []
    for part in (
        input_fp,
        rules.digest_for(known.language, known.source_language),
        json.dumps(about) if about else "[]",
    ):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _hashed(*parts: str) -> Any:
    """A SHA-256 fed with ``parts`` as `fingerprint_of` feeds them (to be copied, not fed)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest


MANIFEST_FILE = "run-manifest.json"  # in OUTPUT: what the last completed run read and wrote
MANIFEST_VERSION = 3


@dataclass
class Manifest:
    """What the last completed run read and wrote, so that the next one does no work for what
    is unchanged: for each input file, a hash of its bytes (and of the reading defaults) and
    the summaries of the articles it gave (`postedit.report.Summary`, with their input
    fingerprints); for each article, a hash of everything its outputs were rendered from, and
    for each story, a hash of its evidence and its members (`postedit.write.render_keys`) and
    a hash of what its evidence was made from, with one of its text (so that the next run takes
    an unchanged story's evidence from ``clusters.json``: `postedit.write.EarlierStories`); and
    the de-duplication summary of the report.

    It is written after the corpus, and removed before a run first changes the cache: a run
    killed half-way leaves none, and the next run reads and writes everything (safe, slower).
    """

    # source -> {key, stat, articles, cache}; a mapping that makes each entry when asked, to save
    # room. An entry given as text is its line as the last manifest wrote it (`lines`), kept.
    files: Mapping[str, dict[str, Any] | str] = field(default_factory=dict)
    rendered: dict[str, str] = field(default_factory=dict)  # id -> render key
    stories: dict[str, str] = field(default_factory=dict)  # story id -> its key (`render_keys`)
    # story id -> [what its evidence was made from, a hash of its text] (`Stories.keys`)
    story_evidence: dict[str, list[str]] = field(default_factory=dict)
    dedup: dict[str, Any] = field(default_factory=dict)  # the report's "dedup" section
    settings: str = ""  # a hash of the de-duplication settings the corpus was written with
    lines: Lines | None = None  # each file's entry as written, in the manifest read (`load`)

    @classmethod
    def load(cls, output_dir: Path) -> Manifest:
        """The manifest in ``output_dir``, and where its files' entries are (it is held open
        until `close`); an empty one if there is none, or it is damaged or of other code."""
        try:
            handle = open(Path(output_dir) / MANIFEST_FILE, "rb", buffering=1 << 16)  # noqa: SIM115
        except OSError:
            return cls()
        try:
            raw = handle.read()
            data = parse(raw)
            if data.get("version") != MANIFEST_VERSION or data.get("code") != code_fingerprint():
                handle.close()
                return cls()
            files, rendered, dedup = data["files"], data["rendered"], data["dedup"]
            made = cls(
                files=dict(files),
                rendered=dict(rendered),
                stories=dict(data["stories"]),
                story_evidence=dict(data["story_evidence"]),
                dedup=dict(dedup),
                settings=str(data["settings"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            handle.close()
            return cls()  # none, or damaged: everything is read and written
        head = raw.find(b"\n") + 1
        spans = entry_lines(raw, head, files) if raw[:head].endswith(b'"files":{\n') else None
        if spans is None:
            handle.close()
        else:
            made.lines = Lines(handle, spans)
        return made

    def line(self, source: str) -> str | None:
        """The entry of ``source`` as the manifest read wrote it (`load`), or None."""
        return self.lines.text(source) if self.lines is not None else None

    def close(self) -> None:
        """Let go of the manifest read (its entries are no longer copied)."""
        if self.lines is not None:
            self.lines.close()
            self.lines = None

    def save(self, output_dir: Path) -> None:
        """Write the manifest (compact JSON, sorted keys), a file's entry at a time: at tens of
        thousands of files it is never held as one text, nor its entries all at once."""
        write_streamed(Path(output_dir) / MANIFEST_FILE, self.chunks())

    def chunks(self) -> Iterator[str]:
        def dump(value: object) -> str:
            return compact(value, sort_keys=True)

        yield f'{{"code":{dump(code_fingerprint())},"dedup":{dump(self.dedup)},"files":{{\n'
        for n, source in enumerate(sorted(self.files)):  # a file's entry a line
            entry = self.files[source]
            line = entry if isinstance(entry, str) else f"{dump(source)}:{dump(entry)}"
            yield f",\n{line}" if n else line
        yield f'\n}},"rendered":{dump(self.rendered)},"settings":{dump(self.settings)}'
        yield f',"stories":{dump(self.stories)}'
        yield f',"story_evidence":{dump(self.story_evidence)}'
        yield f',"version":{dump(MANIFEST_VERSION)}}}\n'

    @staticmethod
    def remove(output_dir: Path) -> None:
        (Path(output_dir) / MANIFEST_FILE).unlink(missing_ok=True)


class Cache:
    """Cleaned articles by id, in ``OUTPUT/cache/<name>.json`` (one JSON object per file)."""

    def __init__(self, output_dir: Path) -> None:
        self.folder = Path(output_dir) / CACHE_DIR
        self.where = os.fspath(self.folder)

    def path(self, article_id: str) -> Path:
        return Path(self.location(article_id))

    def location(self, article_id: str) -> str:
        """`path` as text (a run that finds its articles unchanged looks up thousands)."""
        return os.path.join(self.where, f"{safe_name(article_id)}.json")

    def get(self, article_id: str, want: str) -> Article | None:
        """The cached article, if its fingerprint is ``want`` (else None: missing, stale, bad)."""
        try:
            data = parse(self.path(article_id).read_bytes())
            if data.get("fingerprint") != want or data["article"]["id"] != article_id:
                return None
            return article_from_dict(data["article"])
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None  # a damaged entry is a cache miss: the article is cleaned again

    def ids(self) -> set[str]:
        """The file names (without .json) of the entries in the cache."""
        if not self.folder.is_dir():
            return set()
        return {p.stem for p in self.folder.glob("*.json") if not p.name.startswith(".")}

    def load(self, article_id: str) -> Article:
        """The cached article, whatever its fingerprint (a run reads back what it cleaned)."""
        return self.load_file(safe_name(article_id))

    def load_file(self, name: str) -> Article:
        """The article in the cache entry ``name`` (a file name without .json)."""
        data = parse((self.folder / f"{name}.json").read_bytes())
        return article_from_dict(data["article"])

    def put(self, article: Article, fingerprint: str) -> None:
        """Keep ``article`` (atomically; made durable by the sync before the corpus is written)."""
        atomic_write_text(self.path(article.id), self.entry(article, fingerprint), durable=False)

    @staticmethod
    def entry(article: Article, fingerprint: str) -> str:
        data = {"fingerprint": fingerprint, "article": article_to_dict(article)}
        return compact(data, sort_keys=True) + "\n"
