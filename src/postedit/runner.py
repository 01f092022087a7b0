"""The whole cleanup without Prefect: what the flow does, as plain calls.

The Prefect flow in ``flows/cleanup.py`` runs the same steps as tasks; this module is what the
tests, the benchmarks and ``postedit run --no-prefect`` call.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from . import __version__, trust
from .audit import Audit, Fix, fixes_of
from .decisions import Decisions, decisions_path, load_decisions
from .dedup import (
    DedupConfig,
    Item,
    Result,
    deduplicate_items,
    item_of,
    items_from_state,
    memo_from_state,
)
from .grammar import FAILED as GRAMMAR_FAILED
from .grammar import GrammarSettings, grammar_for
from .incremental import Cache, Known, Manifest, fingerprint, fingerprint_of, input_fingerprint
from .lock import output_lock
from .memo import content_key
from .model import Article
from .pipeline import Engine, clean_article, count_edits
from .read import ReadDefaults, ReadError, file_key, list_inputs, read_file, read_json
from .render import clean_paragraphs, safe_name
from .review import stats_page
from .rules import Rules, load_rules
from .write import (
    STATE_FILE,
    article_files,
    render_keys,
    write_corpus,
    write_if_changed,
    write_report,
)

PROCESS_BATCH = 200  # articles per job when cleaning in processes
READ_CHUNK = 250  # input files read at a time (a run holds one chunk's texts, not the corpus)
MAX_REMOVAL = 0.5  # a run may remove at most this share of the corpus unless told otherwise

# (stage, done, total): how far a run is, for a progress display ("clean": input files,
# "write": articles)
Progress = Callable[[str, int, int], None]


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
) -> tuple[list[Article], list[ReadError]]:
    """Repair, correct and check ``articles``; an article whose cleaning fails becomes an error
    naming it, and the others go on."""
    engine = Engine(rules, decisions, grammar_for(grammar) if grammar else None)
    done: list[Article] = []
    failed: list[ReadError] = []
    for article in articles:
        try:
            done.append(clean_article(article, engine, timings))
        except Exception as exc:  # one bad article never sinks the batch
            failed.append(
                ReadError(article.source, f"cleaning failed: {type(exc).__name__}: {exc}")
            )
    return done, failed


class Batch:
    """Articles to clean with the rules and decisions to clean them with, as one opaque object:
    task runners such as Dask look inside lists and dataclasses passed to a task, and must not
    take these apart."""

    __slots__ = ("articles", "decisions", "grammar", "rules")

    def __init__(
        self,
        articles: Sequence[Article],
        rules: Rules,
        decisions: Decisions | None,
        grammar: GrammarSettings | None = None,
    ) -> None:
        self.articles, self.rules, self.decisions = list(articles), rules, decisions
        self.grammar = grammar

    def __getstate__(self) -> tuple:
        return self.articles, self.rules, self.decisions, self.grammar

    def __setstate__(self, state: tuple) -> None:
        self.articles, self.rules, self.decisions, self.grammar = state

    def clean(self, timings: Counter[str] | None = None) -> tuple[list[Article], list[ReadError]]:
        return clean_batch(self.articles, self.rules, self.decisions, timings, self.grammar)


def batches(
    articles: Sequence[Article],
    rules: Rules,
    decisions: Decisions | None,
    size: int,
    grammar: GrammarSettings | None = None,
) -> list[Batch]:
    size = max(1, size)
    return [
        Batch(articles[i : i + size], rules, decisions, grammar)
        for i in range(0, len(articles), size)
    ]


def build_report(
    settings: Settings,
    rules: Rules,
    articles: Sequence[Article | Summary],
    errors: Iterable[ReadError],
    timings: dict[str, float],
    dedup: dict[str, object] | None = None,
    skipped: int = 0,
    removed: int = 0,
) -> dict[str, object]:
    """The run report: counts, edits per rule and article, warnings, errors, timings.

    ``processed`` articles were cleaned by this run, ``skipped`` ones were unchanged since an
    earlier run (taken from the cache), ``failed`` inputs gave no article and ``removed`` ones
    were in the previous corpus but are no longer in the input.
    """
    errors = list(errors)
    grammar = grammar_summary(settings.grammar, articles)
    by_rule = count_edits(articles)
    by_action: Counter[str] = Counter()
    for counts in by_rule.values():
        by_action.update(counts)
    return {
        "postedit_version": __version__,
        "input": str(Path(settings.input_dir).resolve()),
        "rules": str(Path(settings.rules_dir).resolve()),  # `postedit review` writes here
        "rule_count": len(rules.rules),
        "articles": len(articles),
        "processed": len(articles) - skipped,
        "skipped": skipped,
        "failed": len(errors),
        "removed": removed,
        "status": "partial" if errors or grammar["failed"] or grammar["unavailable"] else "ok",
        "edits": {"by_action": dict(sorted(by_action.items())), "by_rule": by_rule},
        "per_article": {
            a.id: dict(sorted(Counter(e.action for e in a.edits).items())) for a in articles
        },
        "warnings": [
            {"article": a.id, "source": a.source, "message": w}
            for a in articles
            for w in a.warnings
        ],
        "errors": [{"source": e.source, "message": e.message} for e in errors],
        "dedup": dedup or {},
        "grammar": grammar,
        "languages": language_summary(rules, articles),
        "timings": {k: round(v, 4) for k, v in sorted(timings.items())},
    }


def language_summary(rules: Rules, articles: Sequence[Article | Summary]) -> dict[str, object]:
    """Articles per language (and source language), with the packs they got; an article in a
    language without packs gets the built-in repairs only, and the report says so."""
    counts = Counter((a.language or "unknown", a.source_language) for a in articles)
    out: dict[str, object] = {}
    for (language, source), n in sorted(counts.items(), key=lambda x: (x[0][0], x[0][1] or "")):
        base = "" if language == "unknown" else language.split("-")[0].lower()
        src = (source or "").split("-")[0].lower() or None
        packs = [
            path
            for path, lang, pack_source, _ in rules.packs
            if lang == base and (pack_source is None or pack_source == src)
        ]
        key = language + (f" from {source}" if source else "")
        out[key] = {
            "articles": n,
            "packs": packs,
            "note": "rule packs applied"
            if packs
            else "no rule pack for this language: repair only",
        }
    return out


def grammar_summary(
    grammar: GrammarSettings, articles: Sequence[Article | Summary]
) -> dict[str, object]:
    """The checker each language got (or why none), and the articles whose check failed."""
    languages = Counter((a.language or "unknown") for a in articles)
    failed = [
        {"article": a.id, "message": w}
        for a in articles
        for w in a.warnings
        if w.startswith(GRAMMAR_FAILED)
    ]
    return {
        "backend": grammar.backend,
        "languagetool": grammar.url or ("local" if grammar.local else None),
        "unavailable": grammar.unavailable(),
        "languages": {
            lang: {"articles": n, "notice": grammar.notice(None if lang == "unknown" else lang)}
            for lang, n in sorted(languages.items())
        },
        "failed": failed,
    }


def run_warnings(report: Mapping[str, object]) -> list[str]:
    """What an operator must hear about a run beyond its errors: a grammar checker that was
    asked for and did not run (the run is then ``partial``), lines of the decisions file that
    could not be read."""
    out = [str(line) for line in report.get("decisions_skipped") or []]  # type: ignore[union-attr]
    grammar = report.get("grammar")
    if not isinstance(grammar, dict):
        return out
    if grammar.get("unavailable"):
        out.append(f"grammar not checked: {grammar['unavailable']}")
    failed = grammar.get("failed") or []
    if failed:
        out.append(
            f"grammar check failed for {len(failed)} article(s), which the next run checks "
            f"again; first: {failed[0]['article']}: {failed[0]['message']}"
        )
    return out


BOILERPLATE_SHOWN = 200  # learned boilerplate passages listed in the report and review site


def dedup_summary(result: Result, current: set[str]) -> dict[str, object]:
    """The report's ``dedup`` section."""
    roles = Counter(c["role"] for i, c in result.clusters.items() if i in current)
    return {
        "candidate_pairs": result.candidates,
        "compared": result.compared,
        "stories": len(result.report),
        "duplicates": roles["duplicate"],
        "related": roles["related"],
        "boilerplate_passages": len(result.boilerplate),
        "boilerplate": result.boilerplate[:BOILERPLATE_SHOWN],
    }


class EditKey(NamedTuple):
    rule: str
    action: str


@dataclass(frozen=True)
class Summary:
    """What the report and the audit need of an article once its text is kept on disk; kept in
    the run manifest (`postedit.incremental.Manifest`) for the next run."""

    id: str
    source: str
    language: str | None
    source_language: str | None
    warnings: tuple[str, ...]
    edits: tuple[EditKey, ...]
    fixes: tuple[Fix, ...] = ()  # what the audit draws from (`postedit.audit.fixes_of`)
    words: int = 0  # of the clean body text
    input: str = ""  # the input fingerprint (`postedit.incremental.input_fingerprint`)
    fingerprint: str = ""  # the fingerprint it was cleaned with

    @classmethod
    def of(cls, article: Article, words: int = 0, fingerprint: str = "") -> Summary:
        return cls(
            article.id,
            article.source,
            article.language,
            article.source_language,
            tuple(article.warnings),
            tuple(EditKey(e.rule, e.action) for e in article.edits),
            fixes_of(article),
            words,
            input_fingerprint(article),
            fingerprint,
        )

    @property
    def known(self) -> Known:
        return Known(self.id, self.source, self.language, self.source_language)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source": self.source,
            "language": self.language,
            "source_language": self.source_language,
            "warnings": list(self.warnings),
            "edits": [list(e) for e in self.edits],
            "fixes": [list(f) for f in self.fixes],
            "words": self.words,
            "input": self.input,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Summary:
        return cls(
            str(data["id"]),
            str(data["source"]),
            data["language"],
            data["source_language"],
            tuple(str(w) for w in data["warnings"]),
            tuple(EditKey(str(r), str(a)) for r, a in data["edits"]),
            tuple((str(r), int(s), int(e), str(b), str(a)) for r, s, e, b, a in data["fixes"]),
            int(data["words"]),
            str(data["input"]),
            str(data["fingerprint"]),
        )


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
    ) -> None:
        self.settings, self.decisions, self.force = settings, decisions, force
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
        self.manifest_gone = False  # removed before this run first changes the cache
        self.audit = Audit()
        self.sources: dict[str, str] = {}  # id -> source, in input order
        self.names: dict[str, str] = {}  # output file name (`safe_name`) -> id
        self.fingerprints: dict[str, str] = {}
        self.files: dict[str, tuple[str, list[str]]] = {}  # source -> (file key, its ids)
        self.errors: list[ReadError] = []
        self.items: dict[str, Item | None] = {}  # None: from the state (`finish`)
        self.summaries: dict[str, Summary] = {}
        self.held: dict[str, Article] = {}  # cleaned, not cached: its grammar check failed
        self.skipped = 0
        self.timings: Counter[str] = Counter()

    def chunks(self, size: int = READ_CHUNK) -> Iterator[list[Article]]:
        """The articles to clean, ``size`` input files at a time (unchanged ones are taken from
        the cache as they are read, and not handed out)."""
        paths = list_inputs(self.settings.input_dir)
        for at in range(0, len(paths), size):
            todo = self.read(paths[at : at + size])
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
        files: dict[str, tuple[str, list[str]]] = {}
        folder, defaults = self.settings.input_dir, self.settings.defaults
        for path in paths:
            key = file_key(path, folder, defaults)
            known = self._unchanged(path.relative_to(folder).as_posix(), key)
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
                        want = fingerprint(found, self.rules, self.decisions, self.extra)
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
                files[path.relative_to(folder).as_posix()] = (key, ids)
        self.sources.update(sources)
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
        return summaries

    def _stamp(self, article_id: str) -> int | None:
        """The size of an article's cache entry (None: missing), which a torn or damaged entry
        changes; its bytes are not read (a damaged entry that keeps its size is read, and
        found damaged, when the article's outputs must be rendered again)."""
        try:
            return self.cache.path(article_id).stat().st_size
        except OSError:
            return None

    def take(
        self, cleaned: Iterable[Article], failed: Iterable[ReadError], timings: Mapping[str, float]
    ) -> None:
        """Keep a cleaned batch: each article to the cache (an article whose grammar check
        failed is held instead, so that the next run checks it again)."""
        self.errors.extend(failed)
        self.timings.update(timings)
        for article in cleaned:
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

    def _forget_manifest(self) -> None:
        """Remove the last run's manifest before the cache or the outputs change: a run killed
        half-way must not leave one that no longer says what is on disk."""
        if not self.manifest_gone:
            Manifest.remove(self.settings.output_dir)
            self.manifest_gone = True

    def _keep(self, article: Article) -> None:
        paragraphs = clean_paragraphs(article)
        self.items[article.id] = self._make_item(article, paragraphs)
        words = sum(len(p.split()) for p in paragraphs)
        summary = Summary.of(article, words, self.fingerprints[article.id])
        self.summaries[article.id] = summary
        self.audit.add(article.id, summary.fixes, words)

    def _make_item(self, article: Article, paragraphs: list[str] | None = None) -> Item:
        stopwords = self.rules.stopwords_for(article.language)
        numbers = self.rules.number_words_for(article.language)
        item = item_of(article, stopwords, self.settings.dedup, paragraphs, numbers)
        return replace(item, made_from=self._item_key(article.id))

    def _keep_summary(self, summary: Summary) -> None:
        """An article unchanged since the last run: its item comes from the state."""
        self.items[summary.id] = None
        self.summaries[summary.id] = summary
        self.audit.add(summary.id, summary.fixes, summary.words)

    def _item_key(self, article_id: str) -> str:
        """What an article's de-duplication item is made from: the article and the settings."""
        return content_key(self.fingerprints[article_id], repr(self.settings.dedup)).hex()

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
            yield from batches(todo, self.rules, self.decisions, size, self.settings.grammar)

    def finish(self, timings: Mapping[str, float] = ()) -> dict[str, object]:
        """De-duplicate the whole corpus (unchanged and newly cleaned articles) and write it.

        When nothing changed since the last run (the same articles with the same fingerprints,
        the same settings, every output in place), neither is done again: only the report is
        written. Otherwise the articles whose outputs would not change are not rendered again
        (`postedit.write.write_corpus`)."""
        self.timings.update(timings)
        removed = self.check_removals()
        ids = self.ids
        settings_key = content_key(repr(self.settings.dedup)).hex()
        if not removed and self._nothing_changed(ids, settings_key):
            report = self._report({**self.manifest.dedup, "compared": 0}, removed)
            write_report(self.settings.output_dir, report, {"unchanged": 3 * len(ids)})
            write_if_changed(
                self.settings.output_dir / "review" / "stats.html", self.stats_page(report), False
            )
            return report
        mark = time.perf_counter()
        earlier = read_json(self.settings.output_dir / STATE_FILE)
        archived = items_from_state(earlier)
        current = {i: self._item(i, archived) for i in ids}
        result, state = deduplicate_items(
            current,
            archived,
            self.settings.dedup,
            memo_from_state(earlier, self.settings.dedup),
        )
        del archived, earlier
        self.timings["dedup"] += time.perf_counter() - mark
        report = self._report(dedup_summary(result, set(ids)), removed)
        stats = self.stats_page(report)
        rendered = render_keys(
            {i: self.fingerprints[i] for i in ids}, result.clusters, result.report
        )
        self._forget_manifest()
        write_corpus(
            self.settings.output_dir,
            self,
            report,
            result.clusters,
            result.report,
            state,
            progress=(lambda done, total: self.progress("write", done, total))
            if self.progress
            else None,
            rendered=rendered,
            previous=self.manifest.rendered,
        )
        write_if_changed(self.settings.output_dir / "review" / "stats.html", stats, False)
        self._save_manifest(rendered, report, settings_key)
        return report

    def _item(self, article_id: str, archived: Mapping[str, Item]) -> Item:
        item = self.items[article_id]
        if item is not None:
            return item
        kept = archived.get(article_id)
        if kept is not None and kept.made_from == self._item_key(article_id):
            return replace(kept, archived=False)
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
        tops = ("corpus.jsonl", "corpus.dedup.jsonl", "clusters.json", STATE_FILE, "report.json")
        if not all((out / name).is_file() for name in tops):
            return False
        return all(
            i in manifest.rendered and all(p.is_file() for p in article_files(out, safe_name(i)))
            for i in ids
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
        self, rendered: dict[str, str], report: dict[str, object], settings_key: str
    ) -> None:
        """The manifest of what this run read and wrote, for the next run: each input file
        whose articles were all written (none held back for another grammar check)."""
        files = {}
        for source, (key, ids) in self.files.items():
            if all(i in rendered and i in self.summaries and i not in self.held for i in ids):
                files[source] = {
                    "key": key,
                    "articles": [self.summaries[i].to_dict() for i in ids],
                    "cache": {i: self._stamp(i) for i in ids},
                }
        dedup: Any = report.get("dedup")  # what this run compared is not the next run's
        # a held article is cleaned again next run, into other outputs under the same key
        written = {i: k for i, k in rendered.items() if i not in self.held}
        summary = {k: v for k, v in dedup.items() if k != "compared"} if dedup else {}
        Manifest(files, written, summary, settings_key).save(self.settings.output_dir)

    def check_removals(self) -> list[str]:
        """The file names of the published articles this run would remove (no longer in the
        input, or no longer readable); raises `RemovalRefused`, before anything is written, if
        they are more than ``settings.max_removal`` of the corpus."""
        folder = self.settings.output_dir / "articles"
        published = (
            {p.stem for p in folder.glob("*.txt") if not p.name.startswith(".")}
            if folder.is_dir()
            else set()
        )
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


def _clean_job(batch: Batch) -> tuple[list[Article], list[ReadError], dict[str, float]]:
    timings: Counter[str] = Counter()
    done, failed = batch.clean(timings)
    return done, failed, dict(timings)


def cleanup(
    settings: Settings, force: bool = False, workers: int = 1, progress: Progress | None = None
) -> dict[str, object]:
    """Read, clean and write one folder; return the report (also written to report.json).

    Articles unchanged since the last run into the same output are not cleaned again (see
    `postedit.incremental`); ``force`` cleans everything. ``workers`` > 1 cleans in that many
    processes, with a few batches in flight at a time. Holds the output folder's lock.
    ``progress`` is told how far the run is. Raises `RemovalRefused` (having written nothing)
    if the run would remove more of the corpus than ``settings.max_removal``.
    """
    with output_lock(settings.output_dir):
        started = time.perf_counter()
        rules = load_rules(settings.rules_dir)
        decisions = load_decisions(settings.decisions_file)
        run = Run(settings, rules, decisions, force, progress=progress)
        run.timings["load_rules"] = time.perf_counter() - started
        if workers <= 1:
            for todo in run.chunks():
                timings: Counter[str] = Counter()
                done, failed = clean_batch(
                    todo, run.rules, run.decisions, timings, settings.grammar
                )
                run.take(done, failed, timings)
            return run.finish()
        from concurrent.futures import Future, ProcessPoolExecutor

        pending: deque[Future] = deque()
        with ProcessPoolExecutor(workers) as pool:
            for batch in run.batches(PROCESS_BATCH):
                pending.append(pool.submit(_clean_job, batch))
                while len(pending) > 2 * workers:  # bounded: the memory of a few batches
                    run.take(*pending.popleft().result())
            while pending:
                run.take(*pending.popleft().result())
        return run.finish()


def trust_markdown(report: dict[str, object]) -> list[str]:
    """The run audit and the demotions in force, for the run summary."""
    lines: list[str] = []
    audit = report.get("audit")
    if isinstance(audit, dict) and audit.get("fixes"):
        precision, harm = audit["estimated_precision"], audit["harm_per_10k_words"]
        lines += [
            "",
            "## Audit",
            "",
            f"{audit['fixes']} fixes, {audit['fixes_measured']} of them by rules editors have "
            "judged: estimated precision "
            + ("unknown" if precision is None else f"{precision:.3f}")
            + ", harm "
            + ("unknown" if harm is None else f"{harm:.2f} wrong fixes per 10,000 words")
            + f". A sample of {len(audit['sample'])} fixes to check (up to 3 per rule):",
            "",
            "| article | rule | before | after |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{i['article']}` | `{i['rule']}` | {_cell(i['before'])} | {_cell(i['after'])} |"
            for i in audit["sample"]
        ]
    demoted = (report.get("trust") or {}).get("demoted") or []  # type: ignore[union-attr]
    if demoted:
        lines += ["", "## Rules demoted by editors' decisions", ""]
        lines += [
            f"- `{d['rule']}`: {d['from']} → {d['to']} (precision {d['precision']:.2f} on "
            f"{d['support']} decisions, below {d['threshold']:.2f})"
            for d in demoted
        ]
    return lines


def _cell(text: str) -> str:
    return (text.replace("|", "\\|").replace("\n", " ") or "∅")[:80]


def earlier_items(output_dir: Path) -> dict[str, Item]:
    """The de-duplication state an earlier run left in ``output_dir``."""
    return items_from_state(read_json(output_dir / STATE_FILE))


def summary_markdown(report: dict[str, object], limit: int = 200) -> str:
    """The run summary as markdown: a table per rule and a table per article."""
    edits = report["edits"]
    assert isinstance(edits, dict)
    lines = [
        "# postedit cleanup",
        "",
        f"{report['articles']} articles in the corpus: {report.get('processed', 0)} cleaned, "
        f"{report.get('skipped', 0)} unchanged, {report['failed']} failed, "
        f"{report.get('removed', 0)} removed ({report['status']}); "
        f"{edits['by_action'].get('fix', 0)} fixes, "
        f"{edits['by_action'].get('flag', 0)} flags.",
        "",
        "| rule | fix | flag |",
        "|---|---:|---:|",
    ]
    for rule, counts in edits["by_rule"].items():
        lines.append(f"| `{rule}` | {counts.get('fix', 0)} | {counts.get('flag', 0)} |")
    lines += ["", "| article | fix | flag |", "|---|---:|---:|"]
    per_article = report["per_article"]
    assert isinstance(per_article, dict)
    for article, counts in list(per_article.items())[:limit]:
        lines.append(f"| `{article}` | {counts.get('fix', 0)} | {counts.get('flag', 0)} |")
    if len(per_article) > limit:
        lines.append(f"| … {len(per_article) - limit} more | | |")
    lines += trust_markdown(report)
    errors = report["errors"]
    assert isinstance(errors, list)
    if errors:
        lines += ["", "## Errors", ""] + [f"- `{e['source']}`: {e['message']}" for e in errors]
    return "\n".join(lines) + "\n"
