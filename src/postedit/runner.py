"""The whole cleanup without Prefect: what the flow does, as plain calls.

The Prefect flow in ``flows/cleanup.py`` runs the same steps as tasks; this module is what the
tests, the benchmarks and ``postedit run --no-prefect`` call.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import time
import uuid
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, cast

from . import langid, trust
from .audit import Audit
from .consistency import (
    INCONSISTENT,
    StoryChecked,
    StoryFindings,
    function_words,
    names_of,
)
from .decisions import Decisions, decisions_path, load_decisions
from .dedup import (
    DedupConfig,
    Item,
    dedup_config,
    deduplicate_items,
    item_of,
    items_from_state,
    memo_from_state,
    read_state,
)
from .grammar import FAILED as GRAMMAR_FAILED
from .grammar import GrammarSettings, grammar_for
from .incremental import Cache, Manifest, code_fingerprint, fingerprint, fingerprint_of
from .lock import output_lock
from .memo import PARAGRAPHS, STORE_FILE, StoreAt, Stored, content_key, store_for
from .memory import (
    end_checker,
    fewer_collections,
    release_clean_caches,
    return_large_blocks,
    trim,
)
from .model import Article
from .pipeline import Engine, clean_article
from .read import (
    ReadDefaults,
    ReadError,
    file_key,
    input_name,
    list_inputs,
    read_file,
    stat_key,
)
from .render import clean_paragraphs, safe_name
from .report import Summary, build_report, dedup_summary, run_warnings
from .review import stats_page
from .rules import Rule, Rules, load_rules
from .write import (
    CACHE_DIR,
    STATE_FILE,
    EarlierStories,
    Source,
    files_in,
    files_in_place,
    records_of,
    render_keys,
    story_texts,
    write_corpus,
    write_if_changed,
    write_report,
)

BATCH_SIZE = 250  # articles per batch handed out to be cleaned (a task, a worker's job)
IN_FLIGHT = 4  # batches handed out and not yet taken in (bounds the memory of a run)
READ_CHUNK = 250  # input files read at a time (a run holds one chunk's texts, not the corpus)
MAX_REMOVAL = 0.5  # a run may remove at most this share of the corpus unless told otherwise

# (stage, done, total): how far a run is, for a progress display ("clean": input files,
# "write": articles)
Progress = Callable[[str, int, int], None]


class Log(Protocol):
    """Where a run says what it does: a `logging.Logger`, or a Prefect run logger."""

    def info(self, msg: str, *args: object) -> None: ...
    def warning(self, msg: str, *args: object) -> None: ...
    def error(self, msg: str, *args: object) -> None: ...


LOG = logging.getLogger("postedit")
LOG.addHandler(logging.NullHandler())  # a library: the application decides where logs go


class _ManifestFiles(Mapping[str, dict[str, Any] | str]):
    """The manifest's entry of each input file whose articles were all written (none held back
    for another grammar check), made when the manifest is written: a corpus's entries are never
    all held at once. A file read as the last run read it keeps its entry's line as written."""

    def __init__(self, run: Run, rendered: Mapping[str, str]) -> None:
        self.run = run
        self.sources = [
            source
            for source, (_, ids, _) in run.files.items()
            if all(i in rendered and i in run.summaries and i not in run.held for i in ids)
        ]
        self.known = set(self.sources)

    def __getitem__(self, source: str) -> dict[str, Any] | str:
        if source not in self.known:
            raise KeyError(source)
        run = self.run
        if source in run.copied:  # read as the last run read it, to the same summaries
            line = run.manifest.line(source)
            if line is not None:
                return line
        key, ids, stamp = run.files[source]
        return {
            "key": key,
            "stat": stamp,
            "articles": [run.summaries[i].to_dict() for i in ids],
            "cache": {i: run.stamps.get(i) or run._stamp(i) for i in ids},
        }

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


class RemovalRefused(Exception):
    """A run would remove more of the corpus than its settings allow; it wrote nothing."""


@dataclass(frozen=True)
class Settings:
    """Where a run reads and writes, and the defaults for articles that do not say."""

    input_dir: Path
    rules_dir: Path
    output_dir: Path
    language: str | None = None
    source_language: str | None = None
    dedup: DedupConfig = field(default_factory=DedupConfig)
    decisions: Path | None = None  # editors' decisions; None: OUTPUT/review/decisions.jsonl
    grammar: GrammarSettings = field(default_factory=GrammarSettings)
    max_removal: float = MAX_REMOVAL  # share of the corpus a run may remove (1: any)

    @classmethod
    def of(
        cls,
        input_dir: Path,
        rules_dir: Path,
        output_dir: Path,
        language: str | None = None,
        source_language: str | None = None,
        dedup: Mapping[str, float] | None = None,
        decisions: Path | None = None,
        grammar: str = "auto",
        languagetool_url: str | None = None,
        languagetool_local: bool = False,
        max_removal: float = MAX_REMOVAL,
    ) -> Settings:
        """Settings from a run's parameters (the flow's, the command line's); ValueError
        saying what is wrong with them (a missing folder, an output inside the input).

        ``language`` and ``source_language`` apply to articles whose metadata does not say;
        ``dedup`` overrides de-duplication thresholds (the fields of
        `postedit.dedup.DedupConfig`); ``decisions`` is the editors' decisions file the run
        honours (default ``OUTPUT/review/decisions.jsonl``, where ``postedit review`` records
        them). ``grammar`` picks the grammar checker (``auto``: LanguageTool at
        ``languagetool_url`` or, with ``languagetool_local``, language-tool-python's own; else
        Harper for English). ``max_removal``: the share of the corpus a run may remove (an
        empty or unmounted inbox would remove it all).
        """
        input_dir, rules_dir, output_dir = Path(input_dir), Path(rules_dir), Path(output_dir)
        if not input_dir.is_dir():
            raise ValueError(f"input folder not found: {input_dir}")
        if not rules_dir.is_dir():
            raise ValueError(f"rules folder not found: {rules_dir}")
        if output_dir.resolve().is_relative_to(input_dir.resolve()):
            raise ValueError(
                f"the output folder {output_dir} is inside the input folder {input_dir}"
            )
        return cls(
            input_dir,
            rules_dir,
            output_dir,
            language,
            source_language,
            dedup_config(dict(dedup) if dedup else None),
            decisions,
            GrammarSettings(grammar, languagetool_url, languagetool_local),
            max_removal,
        )

    @property
    def defaults(self) -> ReadDefaults:
        return ReadDefaults(language=self.language, source_language=self.source_language)

    @property
    def decisions_file(self) -> Path:
        return self.decisions if self.decisions is not None else decisions_path(self.output_dir)


def clean_batch(
    articles: Sequence[Article],
    rules: Rules,
    decisions: Decisions | None,
    timings: Counter[str] | None = None,
    grammar: GrammarSettings | None = None,
    store: StoreAt | None = None,
) -> tuple[list[Article], list[ReadError]]:
    """Repair, correct and check ``articles``; an article whose cleaning fails becomes an error
    naming it, and the others go on. ``store``: where the paragraph results kept between runs
    are (`postedit.memo.Store`), looked up and added to."""
    kept = store_for(store.path, store.scope) if store else None
    memo = PARAGRAPHS if kept is None else Stored(PARAGRAPHS, kept)
    checker = grammar_for(grammar) if grammar else None
    engine = Engine(rules, decisions, checker, memo=memo, store=kept)  # the checker's kept too
    done: list[Article] = []
    failed: list[ReadError] = []
    try:
        for article in articles:
            try:
                done.append(clean_article(article, engine, timings))
            except Exception as exc:  # one bad article never sinks the batch
                failed.append(
                    ReadError(article.source, f"cleaning failed: {type(exc).__name__}: {exc}")
                )
    finally:
        if store is not None and kept is not None:
            if os.getpid() != store.pid:  # a pool's process, a Dask worker: written now
                kept.release()
            else:  # the run's own: written with the others' when the cleaning ends
                kept.close()
    return done, failed


LIBRARIES = ("ftfy", "regex", "rapidfuzz", "harper-py", "numpy")  # what finds paragraph results


@functools.lru_cache(maxsize=8)
def store_scope(rules_version: str) -> str:
    """What the paragraph results kept between runs depend on besides their keys: the code,
    the libraries that find them, the packs (`postedit.memo.Store`)."""
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} -")
    return content_key(code_fingerprint(), rules_version, *versions).hex()


PACKED = cast(Summary, object())  # a summary `Run` holds packed, until `Run.finish`
MADE_KEPT = 4096  # cleaned articles whose item, words and names `Run._keep` keeps


class Batch:
    """Articles to clean with the rules and decisions to clean them with, as one opaque object:
    task runners such as Dask look inside lists and dataclasses passed to a task, and must not
    take these apart."""

    __slots__ = ("articles", "decisions", "grammar", "rules", "store")

    def __init__(
        self,
        articles: Sequence[Article],
        rules: Rules,
        decisions: Decisions | None,
        grammar: GrammarSettings | None = None,
        store: StoreAt | None = None,
    ) -> None:
        self.articles, self.rules, self.decisions = list(articles), rules, decisions
        self.grammar, self.store = grammar, store

    def __getstate__(self) -> tuple:
        return self.articles, self.rules, self.decisions, self.grammar, self.store

    def __setstate__(self, state: tuple) -> None:
        self.articles, self.rules, self.decisions, self.grammar, self.store = state

    def clean(self, timings: Counter[str] | None = None) -> tuple[list[Article], list[ReadError]]:
        return clean_batch(
            self.articles, self.rules, self.decisions, timings, self.grammar, self.store
        )


def batches(
    articles: Sequence[Article],
    rules: Rules,
    decisions: Decisions | None,
    size: int,
    grammar: GrammarSettings | None = None,
    store: StoreAt | None = None,
) -> list[Batch]:
    size = max(1, size)
    return [
        Batch(articles[i : i + size], rules, decisions, grammar, store)
        for i in range(0, len(articles), size)
    ]


class Run:
    """One run as it streams: input files are read a chunk at a time, what must be cleaned is
    handed out, and each cleaned article goes to the cache (``OUTPUT/cache/``) at once. The run
    keeps of each article only its de-duplication item and a `Summary`; writing loads articles
    back one at a time (`get`). So the memory of the cleanup does not grow with the texts of the
    corpus, only with these small records.
    """

    def __init__(
        self,
        settings: Settings,
        rules: Rules,
        decisions: Decisions,
        force: bool = False,
        run_id: str | None = None,
        progress: Progress | None = None,
        log: Log | None = None,
    ) -> None:
        self.settings, self.decisions, self.force = settings, decisions, force
        self.log: Log = log or LOG
        self.run_id = run_id or str(uuid.uuid4())
        self.started = datetime.now(UTC)
        self.progress = progress
        self.rules_version = rules.version
        # the rules as editors' decisions left them: demoted where measured below the policy
        self.trust = trust.measure(rules, decisions, settings.rules_dir)
        self.rules = trust.apply(rules, self.trust)
        self.cache = Cache(settings.output_dir)
        self.extra = settings.grammar.describe() + "|" + self.trust.describe()
        # what the last completed run read and wrote (nothing with ``force``)
        self.manifest = Manifest() if force else Manifest.load(settings.output_dir)
        # paragraph results kept between runs (none used with ``force``: everything made anew)
        store = str(settings.output_dir / CACHE_DIR / STORE_FILE)
        scope = store_scope(self.rules_version)
        self.store = None if force else StoreAt(store, scope, os.getpid())
        self.manifest_gone = False  # removed before this run first changes the cache
        self.audit = Audit()
        self.sources: dict[str, str] = {}  # id -> source, in input order
        self.names: dict[str, str] = {}  # output file name (`safe_name`) -> id
        self.fingerprints: dict[str, str] = {}
        # id -> input fingerprint and warnings as read (`_keep` makes the summary's from them)
        self.inputs: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.stamps: dict[str, int] = {}  # `_stamp` of the cache entries of unchanged articles
        # source -> (file key, its ids, `stat_key`)
        self.files: dict[str, tuple[str, list[str], str | None]] = {}
        self.copied: set[str] = set()  # files whose manifest entry is the last one's, copied
        self.errors: list[ReadError] = []
        self.items: dict[str, Item | None] = {}  # None: from the state (`finish`)
        self._made: dict[tuple, tuple[Item, int, tuple[str, ...]]] = {}  # by content (`_keep`)
        self.summaries: dict[str, Summary] = {}
        # the summaries of the articles cleaned, a batch at a time, packed until `finish`
        # (a compressed pickle of a batch's: about an eighth of their memory as objects); their
        # places in `summaries` hold `PACKED` meanwhile
        self.packed: list[bytes] = []
        self.released = False  # the clean stage let go of (`release`)
        self.held: dict[str, Article] = {}  # cleaned, not cached: its grammar check failed
        self.skipped = 0
        self.timings: Counter[str] = Counter()

    @classmethod
    def open(
        cls,
        settings: Settings,
        force: bool = False,
        run_id: str | None = None,
        progress: Progress | None = None,
        log: Log | None = None,
    ) -> Run:
        """A run of ``settings``: its rules and the editors' decisions loaded."""
        started = time.perf_counter()
        rules = load_rules(settings.rules_dir)
        (log or LOG).info("Loaded %d rules from %s", len(rules.rules), settings.rules_dir)
        decisions = load_decisions(settings.decisions_file)
        run = cls(settings, rules, decisions, force, run_id, progress, log)
        run.timings["load_rules"] = time.perf_counter() - started
        return run

    def clean(
        self, submit: Submit, batch_size: int = BATCH_SIZE, in_flight: int = IN_FLIGHT
    ) -> None:
        """Read the input a chunk at a time, hand what must be cleaned to ``submit`` in batches,
        and keep what comes back, in submission order (the outputs never depend on timing),
        with at most ``in_flight`` batches out."""
        started, read = time.perf_counter(), self.timings["read"]
        pending: deque[Future] = deque()
        for batch in self.batches(batch_size):
            pending.append(submit(batch))
            while len(pending) > in_flight:
                self.take(*pending.popleft().result())
        while pending:
            self.take(*pending.popleft().result())
        if self.store is not None:
            store_for(self.store.path, self.store.scope).release()  # what this process made
        end_checker()  # Harper's process, and its memory, gone before anything else is held
        self.timings["clean"] += time.perf_counter() - started - (self.timings["read"] - read)
        self.log.info("Cleaned: %d articles read, %d errors", len(self.ids), len(self.errors))

    def chunks(self, size: int = READ_CHUNK) -> Iterator[list[Article]]:
        """The articles to clean, ``size`` input files at a time (unchanged ones are taken from
        the cache as they are read, and not handed out)."""
        paths = list_inputs(self.settings.input_dir)
        for at in range(0, len(paths), size):
            errors = len(self.errors)
            todo = self.read(paths[at : at + size])
            langid.shed()  # the model's pages this chunk read: kept by the system, not the run
            self.log.info(
                "Read files %d-%d of %d: %d articles to clean",
                at + 1,
                min(at + size, len(paths)),
                len(paths),
                len(todo),
            )
            for error in self.errors[errors:]:
                self.log.error("Cannot read %s: %s", error.source, error.message)
            if todo:
                yield todo  # resumed once the caller has cleaned (or handed out) the chunk
            if self.progress:
                self.progress("clean", min(at + size, len(paths)), len(paths))

    def read(self, paths: Sequence[Path]) -> list[Article]:
        """The articles in ``paths`` that must be cleaned; errors and unchanged articles are
        kept by the run. An id met before (in input order) is an error naming both files.

        A file whose bytes are those the last run read, giving articles whose fingerprints
        have not changed, is not parsed again: the manifest's summaries stand for its articles.
        """
        started = time.perf_counter()
        todo: list[Article] = []
        sources: dict[str, str] = {}  # this chunk's: kept only once it is all read (a retried
        fingerprints: dict[str, str] = {}  # read of the chunk then starts afresh)
        errors: list[ReadError] = []
        hits: list[Article | Summary] = []
        names: dict[str, str] = {}  # this chunk's output names -> ids
        files: dict[str, tuple[str, list[str], str | None]] = {}
        copied: set[str] = set()  # files whose manifest entry is the last one's
        folder, defaults = self.settings.input_dir, self.settings.defaults
        now = time.time_ns()
        for path in paths:
            source = input_name(path, folder)
            stamp = stat_key(path, folder, defaults, now, source)
            entry = self.manifest.files.get(source) or {}
            # a file the file system says is as the last run read it is not read to know so
            key = entry["key"] if stamp and entry.get("stat") == stamp else None
            settled = key is not None  # the file system says so: the entry would be the same
            key = key or file_key(path, folder, defaults)
            known = self._unchanged(source, key)
            found_in: list[Article | ReadError | Summary] = (
                list(known) if known is not None else read_file(path, folder, defaults)
            )
            ids: list[str] = []
            for found in found_in:
                if isinstance(found, ReadError):
                    errors.append(found)
                    key = None  # a file with errors is read again next time
                    continue
                first = self.sources.get(found.id) or sources.get(found.id)
                if first:
                    errors.append(
                        ReadError(found.source, f"duplicate id {found.id!r} (first in {first})")
                    )
                    key = None
                    continue
                name = safe_name(found.id)
                other = self.names.get(name) or names.get(name)
                if other:
                    errors.append(
                        ReadError(
                            found.source,
                            f"id {found.id!r} gives the output file name {name!r}, which is "
                            f"taken by the id {other!r}",
                        )
                    )
                    key = None
                    continue
                if isinstance(found, Summary):
                    want, hit = found.fingerprint, found
                else:
                    try:
                        want, given = fingerprint(found, self.rules, self.decisions, self.extra)
                        self.inputs[found.id] = (given, found.warnings)
                        hit = None if self.force else self.cache.get(found.id, want)
                    except Exception as exc:  # one article never stops the run
                        errors.append(ReadError(found.source, f"cannot read: {exc!r}"[:500]))
                        key = None
                        continue
                sources[found.id] = found.source
                names[name] = found.id
                fingerprints[found.id] = want
                ids.append(found.id)
                if hit is None:
                    todo.append(found)  # type: ignore[arg-type]
                else:
                    hits.append(hit)
            if key is not None:
                files[source] = (key, ids, stamp)
                if settled and known is not None:  # its articles all as the last run had them
                    copied.add(source)
        self.sources.update(sources)
        self.copied |= copied
        self.names.update(names)
        self.fingerprints.update(fingerprints)
        self.files.update(files)
        self.errors += errors
        self.skipped += len(hits)
        for hit in hits:
            if isinstance(hit, Summary):
                self._keep_summary(hit)
            else:
                self._keep(hit)
        self.timings["read"] += time.perf_counter() - started
        return todo

    def _unchanged(self, source: str, key: str | None) -> list[Summary] | None:
        """The summaries of the articles of ``source`` if the last run read these very bytes
        and none of its articles' fingerprints has changed since (rules, decisions, code)."""
        entry = self.manifest.files.get(source)
        if key is None or not entry or entry.get("key") != key:
            return None
        try:
            summaries = [Summary.from_dict(d) for d in entry["articles"]]
        except (KeyError, TypeError, ValueError):
            return None
        stamps = entry.get("cache") or {}
        for summary in summaries:
            want = fingerprint_of(
                summary.input, summary.known, self.rules, self.decisions, self.extra
            )
            if want != summary.fingerprint or stamps.get(summary.id) != self._stamp(summary.id):
                return None  # changed, or its cache entry is not the one the last run wrote
        self.stamps.update((s.id, stamps[s.id]) for s in summaries)
        return summaries

    def _stamp(self, article_id: str) -> int | None:
        """The size of an article's cache entry (None: missing), which a torn or damaged entry
        changes; its bytes are not read (a damaged entry that keeps its size is read, and
        found damaged, when the article's outputs must be rendered again)."""
        try:
            return os.stat(self.cache.location(article_id)).st_size
        except OSError:
            return None

    def take(
        self, cleaned: Iterable[Article], failed: Iterable[ReadError], timings: Mapping[str, float]
    ) -> None:
        """Keep a cleaned batch: each article to the cache (an article whose grammar check
        failed is held instead, so that the next run checks it again)."""
        failed = list(failed)
        for error in failed:
            self.log.error("Cannot clean %s: %s", error.source, error.message)
        self.errors.extend(failed)
        self.timings.update(timings)
        kept: list[str] = []
        for article in cleaned:
            kept.append(article.id)
            try:
                if any(w.startswith(GRAMMAR_FAILED) for w in article.warnings):
                    self.held[article.id] = article
                else:
                    self._forget_manifest()
                    self.cache.put(article, self.fingerprints[article.id])
                self._keep(article)
            except OSError:
                raise  # the output folder itself: every article would fail alike
            except Exception as exc:  # one article never stops the run
                self.held.pop(article.id, None)
                self.summaries.pop(article.id, None)
                self.items.pop(article.id, None)
                self.errors.append(
                    ReadError(article.source, f"cannot keep the cleaned article: {exc!r}"[:500])
                )
        self._pack([i for i in kept if i in self.summaries])

    def _pack(self, ids: list[str]) -> None:
        """Pack the summaries of ``ids`` (`packed`): a run holds its corpus's summaries as
        objects only from `finish` on, not while it cleans."""
        if not ids:
            return
        summaries = [self.summaries[i] for i in ids]
        self.packed.append(zlib.compress(pickle.dumps(summaries, pickle.HIGHEST_PROTOCOL), 1))
        for i in ids:
            self.summaries[i] = PACKED

    def _unpack(self) -> None:
        """Every summary an object again, each in its place (what `finish` reads; of an id
        kept twice, the last)."""
        for blob in reversed(self.packed):
            for summary in reversed(pickle.loads(zlib.decompress(blob))):
                if self.summaries.get(summary.id) is PACKED:
                    self.summaries[summary.id] = summary
        self.packed = []

    def _forget_manifest(self) -> None:
        """Remove the last run's manifest before the cache or the outputs change: a run killed
        half-way must not leave one that no longer says what is on disk."""
        if not self.manifest_gone:
            Manifest.remove(self.settings.output_dir)
            self.manifest_gone = True

    def _keep(self, article: Article) -> None:
        # what the clean text gives (its item, words and names), made once for the reposts
        # word for word that were given the same edits and entities (`clean_article`): the
        # same text laid out the same (a .md body and a .txt file may hold the same text)
        key = (article.raw_sha256, article.title, article.title_span, article.paragraphs)
        key += (article.language, article.edits, article.entities)
        made = self._made.get(key)
        if made is None:
            paragraphs = clean_paragraphs(article)
            words = sum(len(p.split()) for p in paragraphs)
            names = names_of("\n\n".join(paragraphs), self._function_words(article.language))
            made = self._made[key] = (self._make_item(article, paragraphs), words, names)
            if len(self._made) > MADE_KEPT:
                del self._made[next(iter(self._made))]  # the oldest
        item, words, names = made
        if item.id != article.id:
            item = item.renamed(article.id, article.date, self._item_key(article.id))
        self.items[article.id] = item
        # what reading gave, as read: cleaning adds edits, entities, an estimate and warnings
        given, warnings = self.inputs.pop(article.id, (None, None))
        given = given if warnings == article.warnings else None
        summary = Summary.of(article, words, self.fingerprints[article.id], names, given)
        self.summaries[article.id] = summary
        self.audit.add(article.id, summary.fixes, words)

    def _make_item(self, article: Article, paragraphs: list[str] | None = None) -> Item:
        stopwords = self.rules.stopwords_for(article.language)
        numbers = self.rules.number_words_for(article.language)
        item = item_of(article, stopwords, self.settings.dedup, paragraphs, numbers)
        return item.renamed(article.id, article.date, self._item_key(article.id))

    def _keep_summary(self, summary: Summary) -> None:
        """An article unchanged since the last run: its item comes from the state."""
        self.items[summary.id] = None
        self.summaries[summary.id] = summary
        self.audit.add(summary.id, summary.fixes, summary.words)

    def _item_key(self, article_id: str) -> str:
        """What an article's de-duplication item is made from: the article and the settings."""
        return content_key(self.fingerprints[article_id], self._dedup_text).hex()

    @functools.cached_property
    def _dedup_text(self) -> str:
        """The de-duplication settings as text (what each article's item key reads)."""
        return repr(self.settings.dedup)

    @property
    def ids(self) -> list[str]:
        """The corpus: every article read and cleaned (or unchanged), in input order."""
        return [i for i in self.sources if i in self.summaries]

    def get(self, article_id: str) -> Article:
        held = self.held.get(article_id)
        return held if held is not None else self.cache.load(article_id)

    def batches(self, size: int) -> Iterator[Batch]:
        """`chunks` as `Batch` objects of at most ``size`` articles, for a task runner."""
        for todo in self.chunks():
            yield from batches(
                todo, self.rules, self.decisions, size, self.settings.grammar, self.store
            )

    def finish(self, timings: Mapping[str, float] = ()) -> dict[str, object]:
        """De-duplicate the whole corpus (unchanged and newly cleaned articles) and write it.

        When nothing changed since the last run (the same articles with the same fingerprints,
        the same settings, every output in place), neither is done again: only the report is
        written. Otherwise the articles whose outputs would not change are not rendered again
        (`postedit.write.write_corpus`)."""
        self.timings.update(timings)
        try:
            removed = self.check_removals()
        except RemovalRefused as exc:
            self.log.error("%s", exc)
            raise
        ids = self.ids
        self.log.info(
            "Read %d articles from %s: %d cleaned, %d unchanged since the last run",
            len(ids),
            self.settings.input_dir,
            len(ids) - self.skipped,
            self.skipped,
        )
        if self.packed:  # articles were cleaned (so the corpus changes): the summaries unpacked
            self.release()  # once the clean stage's tables are let go
        for language in sorted({self.summaries[i].language or "unknown" for i in ids}):
            notice = self.settings.grammar.notice(None if language == "unknown" else language)
            self.log.info("Grammar, %s articles: %s", language, notice)  # once per language
        settings_key = content_key(repr(self.settings.dedup)).hex()
        if not removed and self._nothing_changed(ids, settings_key):
            report = self._report({**self.manifest.dedup, "compared": 0}, removed)
            write_report(self.settings.output_dir, report, {"unchanged": 3 * len(ids)})
            write_if_changed(
                self.settings.output_dir / "review" / "stats.html", self.stats_page(report), False
            )
            self.log.info("Nothing changed since the last run: the corpus stands as written")
            return self._done(report)
        self.release()
        mark = time.perf_counter()
        earlier, written = read_state(self.settings.output_dir / STATE_FILE)
        try:
            archived = items_from_state(earlier)
            remembered = memo_from_state(earlier, self.settings.dedup)
            del earlier  # the rest of the parsed state: not held while clustering
            current = {i: self._item(i, archived) for i in ids}
            taken = EarlierStories(
                self.settings.output_dir / "clusters.json", self.manifest.story_evidence
            )
            try:
                result, state = deduplicate_items(
                    current, archived, self.settings.dedup, remembered, taken
                )
            finally:
                taken.close()
            state = replace(state, written=written)
            del archived, remembered
            trim()
            self.timings["dedup"] += time.perf_counter() - mark
            report = self._report(dedup_summary(result, set(ids)), removed)
            stats = self.stats_page(report)
            stories = result.report  # each story's evidence, held as its text
            texts = story_texts(stories)
            fingerprints = {i: self.fingerprints[i] for i in ids}
            earlier = (self.manifest.rendered, self.manifest.stories)
            rendered, story_keys = render_keys(
                fingerprints, result.clusters, stories, texts, earlier
            )
            self._forget_manifest()
            write_corpus(
                self.settings.output_dir,
                self.story_checked(result.clusters),
                report,
                result.clusters,
                stories,
                state,
                texts,
                progress=(lambda done, total: self.progress("write", done, total))
                if self.progress
                else None,
                rendered=rendered,
                previous=self.manifest.rendered,
            )
            write_if_changed(self.settings.output_dir / "review" / "stats.html", stats, False)
            self._save_manifest(rendered, story_keys, stories.keys, report, settings_key)
            for gone in report["removals"]:  # type: ignore[attr-defined]
                self.log.info("Removed %s (%s): no longer in the input", gone["id"], gone["source"])
            self.log.info(
                "De-duplicated: %(candidate_pairs)d candidate pairs, %(duplicates)d duplicates, "
                "%(related)d related, %(stories)d stories",
                report["dedup"],
            )
            return self._done(report)
        finally:
            if written is not None:
                written.close()  # the last state, whose lines were copied

    def release(self) -> None:
        """Every article is read and cleaned: let go of what only that needed (what the last
        run read of each input file, the clean stage's lookup tables) before de-duplicating;
        then unpack the summaries (`_unpack`). Once per run."""
        if not self.released:
            self.manifest.files = {}
            release_clean_caches()
            trim()
            self.released = True
        self._unpack()

    def story_checked(self, clusters: Mapping[str, Mapping[str, object]]) -> Source:
        """The articles to write, with flags on the names the other reports of their story
        spell otherwise (`postedit.consistency`), where a pack turns the check on."""
        rule = next((r for r in self.rules.rules if r.repair == INCONSISTENT), None)
        if rule is None:
            return self
        stories: dict[str, list[str]] = {}
        for article_id, cluster in records_of(clusters):
            stories.setdefault(str(cluster["id"]), []).append(article_id)
        names = {i: s.names for i, s in self.summaries.items()}
        found = StoryFindings(
            clusters, stories, names, self.known_names, lambda i: self._checks(i, rule)
        )
        return StoryChecked(self, found, rule)

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one run, a few languages)
    def _function_words(self, language: str | None) -> frozenset[str]:
        return function_words(self.rules, language)

    @functools.cached_property
    def known_names(self) -> frozenset[str]:
        return frozenset(form for e in self.rules.entities for form in e.forms)

    def _checks(self, article_id: str, rule: Rule) -> bool:
        return rule in self.rules.for_language(self.summaries[article_id].language, None)

    def _done(self, report: dict[str, object]) -> dict[str, object]:
        self.manifest.close()  # the last run's: its entries were copied where they stood
        self.log.info(
            "Wrote %d articles to %s: %s",
            report["articles"],
            self.settings.output_dir,
            report["outputs"],
        )
        for warning in run_warnings(report):
            self.log.warning("%s", warning)
        self.log.info(
            "Cleanup done: %d articles, %d cleaned, %d unchanged, %d failed, %d removed; status %s",
            report["articles"],
            report["processed"],
            report["skipped"],
            report["failed"],
            report["removed"],
            report["status"],
        )
        return report

    def _item(self, article_id: str, archived: Mapping[str, Item]) -> Item:
        item = self.items[article_id]
        if item is not None:
            return item
        kept = archived.get(article_id)
        if kept is not None and kept.made_from == self._item_key(article_id):
            return kept.current()
        return self._make_item(self.get(article_id))  # none in the state: from the cache

    def _nothing_changed(self, ids: list[str], settings_key: str) -> bool:
        """Is the corpus the last run wrote exactly what this run would write? (The same
        articles, each unchanged since, the same settings, and every output in place.)"""
        manifest = self.manifest
        if self.force or self.held or not manifest.rendered or manifest.settings != settings_key:
            return False
        if len(ids) != len(manifest.rendered) or any(self.items.get(i) is not None for i in ids):
            return False  # an article cleaned by this run, or one more or less
        out = self.settings.output_dir
        tops = (
            "corpus.jsonl",
            "corpus.dedup.jsonl",
            "clusters.json",
            STATE_FILE,
            "report.json",
            "review/index.html",
            "review/boilerplate.html",
        )
        if not all((out / name).is_file() for name in tops):
            return False
        return all(i in manifest.rendered for i in ids) and files_in_place(
            out, (safe_name(i) for i in ids)
        )

    def _report(self, dedup: dict[str, object], removed: list[str]) -> dict[str, object]:
        summaries = [self.summaries[i] for i in self.ids]
        report = build_report(
            self.settings,
            self.rules,
            summaries,
            self.errors,
            dict(self.timings),
            dedup,
            self.skipped,
            len(removed),
        )
        report["removals"] = self.describe(removed)
        report["run"] = {
            "id": self.run_id,
            "started": self.started.isoformat(timespec="milliseconds"),
        }
        report["rules_version"] = self.rules_version
        report["decisions_skipped"] = list(self.decisions.skipped)
        report["trust"] = self.trust.report()
        measured = {r: (st.precision, st.support) for r, st in self.trust.stats.items()}
        report["audit"] = self.audit.report(measured)
        return report

    def _save_manifest(
        self,
        rendered: dict[str, str],
        stories: dict[str, str],
        evidence: dict[str, list[str]],
        report: dict[str, object],
        settings_key: str,
    ) -> None:
        """The manifest of what this run read and wrote, for the next run: each input file
        whose articles were all written (none held back for another grammar check)."""
        files = _ManifestFiles(self, rendered)
        dedup: Any = report.get("dedup")  # what this run compared is not the next run's
        # a held article is cleaned again next run, into other outputs under the same key
        written = {i: k for i, k in rendered.items() if i not in self.held}
        summary = {k: v for k, v in dedup.items() if k != "compared"} if dedup else {}
        Manifest(
            files=files,
            rendered=written,
            stories=stories,
            story_evidence=evidence,
            dedup=summary,
            settings=settings_key,
        ).save(self.settings.output_dir)

    def check_removals(self) -> list[str]:
        """The file names of the published articles this run would remove (no longer in the
        input, or no longer readable); raises `RemovalRefused`, before anything is written, if
        they are more than ``settings.max_removal`` of the corpus."""
        published = {
            name.removesuffix(".txt")
            for name in files_in(self.settings.output_dir / "articles")
            if name.endswith(".txt") and not name.startswith(".")
        }
        gone = sorted(published - {safe_name(i) for i in self.ids})
        share = len(gone) / len(published) if published else 0.0
        if gone and share > self.settings.max_removal:
            raise RemovalRefused(self.refusal(gone, len(published)))
        return gone

    def refusal(self, gone: list[str], published: int) -> str:
        inputs = len(self.sources) + len(self.errors)
        why = (
            f"the input folder {self.settings.input_dir} holds no articles"
            if inputs == 0
            else f"{len(self.ids)} of the {inputs} inputs in {self.settings.input_dir} were read"
        )
        shown = ", ".join(d["id"] for d in self.describe(gone[:10]))
        more = f" and {len(gone) - 10} more" if len(gone) > 10 else ""
        return (
            f"refusing to remove {len(gone)} of the {published} articles in "
            f"{self.settings.output_dir} ({len(gone) / published:.0%}, more than the "
            f"{self.settings.max_removal:.0%} allowed): {why}. Nothing was written. Would remove: "
            f"{shown}{more}. If the input is right, run again with --max-removal 1."
        )

    def describe(self, names: Iterable[str]) -> list[dict[str, str]]:
        """The id and source of published articles, by file name (from their cache entries)."""
        out = []
        for name in names:
            try:
                article = self.cache.load_file(name)
                out.append({"id": article.id, "source": article.source})
            except (OSError, ValueError, KeyError, TypeError):
                out.append({"id": name, "source": ""})
        return out

    def stats_page(self, report: dict[str, object]) -> str:
        """The rule-precision page as this run measured it (``postedit review`` serves it live)."""
        return stats_page(trust.stats(self.rules, self.trust, report))


Cleaned = tuple[list[Article], list[ReadError], dict[str, float]]  # a batch, cleaned


def clean_job(batch: Batch) -> Cleaned:
    """Clean one batch: what a Prefect task or a worker process runs (its input and output are
    values; it changes nothing of the run's)."""
    timings: Counter[str] = Counter()
    done, failed = batch.clean(timings)
    return done, failed, dict(timings)


class Future(Protocol):
    def result(self) -> Cleaned: ...


Submit = Callable[[Batch], Future]  # hands a batch to whatever cleans it; its result later


class _Done:
    """A batch cleaned at once, in the caller (the plain run on one core)."""

    def __init__(self, value: Cleaned) -> None:
        self.value = value

    def result(self) -> Cleaned:
        return self.value


def cleanup(
    settings: Settings,
    force: bool = False,
    workers: int = 1,
    progress: Progress | None = None,
    *,
    submit: Submit | None = None,
    batch_size: int = BATCH_SIZE,
    in_flight: int = IN_FLIGHT,
    run_id: str | None = None,
    log: Log | None = None,
) -> dict[str, object]:
    """Read, clean and write one folder; return the report (also written to report.json).

    The one path of every run: `Run.open` (the rules, the decisions, what the last run left),
    `Run.clean` (read a chunk of files, hand its batches to ``submit``, keep what comes back),
    `Run.finish` (de-duplicate, write, report). ``submit`` is the Prefect flow's task (on
    threads or Dask); without it, batches are cleaned here, or in ``workers`` processes.

    Articles unchanged since the last run into the same output are not cleaned again (see
    `postedit.incremental`); ``force`` cleans everything. At most ``in_flight`` batches of
    ``batch_size`` articles are out at a time. Holds the output folder's lock. ``progress``
    is told how far the run is; ``log`` hears what a flow run logs. Raises `RemovalRefused`
    (having written nothing) if the run would remove more of the corpus than
    ``settings.max_removal``.
    """
    with output_lock(settings.output_dir), fewer_collections():
        return_large_blocks()
        run = Run.open(settings, force, run_id, progress, log)
        if submit is not None:
            run.clean(submit, batch_size, in_flight)
        elif workers <= 1:
            run.clean(lambda batch: _Done(clean_job(batch)), batch_size, 0)
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers) as pool:
                run.clean(lambda batch: pool.submit(clean_job, batch), batch_size, 2 * workers)
        return run.finish()
