"""The whole cleanup without Prefect: what the flow does, as plain calls.

The Prefect flow in ``flows/cleanup.py`` runs the same steps as tasks; this module is what the
tests, the benchmarks and ``postedit run --no-prefect`` call.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .decisions import Decisions, load_decisions
from .dedup import DedupConfig, Item, Result, deduplicate, items_from_state, memo_from_state
from .grammar import FAILED as GRAMMAR_FAILED
from .grammar import GrammarSettings, grammar_for
from .incremental import Cache, Plan, plan
from .lock import output_lock
from .model import Article
from .pipeline import Engine, clean_article, count_edits
from .read import ReadDefaults, ReadError, read_folder, read_json
from .rules import Rules, load_rules
from .write import STATE_FILE, write_corpus

PROCESS_BATCH = 200  # articles per job when cleaning in processes


@dataclass(frozen=True)
class Settings:
    """Where a run reads and writes, and the defaults for articles that do not say."""

    input_dir: Path
    rules_dir: Path
    output_dir: Path
    language: str | None = None
    source_language: str | None = None
    dedup: DedupConfig = field(default_factory=DedupConfig)
    decisions: Path | None = None  # editors' decisions (review/decisions.jsonl)
    grammar: GrammarSettings = field(default_factory=GrammarSettings)

    @property
    def defaults(self) -> ReadDefaults:
        return ReadDefaults(language=self.language, source_language=self.source_language)


def read_inputs(settings: Settings) -> tuple[list[Article], list[ReadError]]:
    articles: list[Article] = []
    errors: list[ReadError] = []
    for item in read_folder(settings.input_dir, settings.defaults):
        (errors if isinstance(item, ReadError) else articles).append(item)  # type: ignore[arg-type]
    return articles, errors


def dedupe_ids(articles: Sequence[Article]) -> tuple[list[Article], list[ReadError]]:
    """Keep the first article of each id (in input order); the others are errors."""
    seen: dict[str, str] = {}
    kept, errors = [], []
    for article in articles:
        if article.id in seen:
            errors.append(
                ReadError(
                    article.source, f"duplicate id {article.id!r} (first in {seen[article.id]})"
                )
            )
            continue
        seen[article.id] = article.source
        kept.append(article)
    return kept, errors


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
    articles: Sequence[Article],
    errors: Iterable[ReadError],
    timings: dict[str, float],
    dedup: Result | None = None,
    work: Plan | None = None,
) -> dict[str, object]:
    """The run report: counts, edits per rule and article, warnings, errors, timings.

    ``processed`` articles were cleaned by this run, ``skipped`` ones were unchanged since an
    earlier run (taken from the cache), ``failed`` inputs gave no article and ``removed`` ones
    were in the previous corpus but are no longer in the input.
    """
    errors = list(errors)
    by_rule = count_edits(articles)
    by_action: Counter[str] = Counter()
    for counts in by_rule.values():
        by_action.update(counts)
    skipped = len(work.cached) if work else 0
    return {
        "postedit_version": __version__,
        "input": str(settings.input_dir),
        "rules": str(settings.rules_dir),
        "rule_count": len(rules.rules),
        "articles": len(articles),
        "processed": len(articles) - skipped,
        "skipped": skipped,
        "failed": len(errors),
        "removed": len(work.removed) if work else 0,
        "status": "partial" if errors else "ok",
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
        "dedup": dedup_summary(dedup, {a.id for a in articles}),
        "grammar": grammar_summary(settings.grammar, articles),
        "languages": language_summary(rules, articles),
        "timings": {k: round(v, 4) for k, v in sorted(timings.items())},
    }


def language_summary(rules: Rules, articles: Sequence[Article]) -> dict[str, object]:
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


def grammar_summary(grammar: GrammarSettings, articles: Sequence[Article]) -> dict[str, object]:
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
        "languages": {
            lang: {"articles": n, "notice": grammar.notice(None if lang == "unknown" else lang)}
            for lang, n in sorted(languages.items())
        },
        "failed": failed,
    }


def dedup_summary(result: Result | None, current: set[str]) -> dict[str, int]:
    if result is None:
        return {}
    roles = Counter(c["role"] for i, c in result.clusters.items() if i in current)
    return {
        "candidate_pairs": result.candidates,
        "compared": result.compared,
        "stories": len(result.report),
        "duplicates": roles["duplicate"],
        "related": roles["related"],
    }


def prepare(
    settings: Settings, rules: Rules, force: bool = False
) -> tuple[Plan, list[ReadError], Decisions]:
    """Read the input folder and decide, article by article, what must be cleaned again."""
    articles, errors = read_inputs(settings)
    articles, duplicate_errors = dedupe_ids(articles)
    decisions = load_decisions(settings.decisions)
    work = plan(articles, rules, decisions, settings.output_dir, force, settings.grammar.describe())
    return work, errors + duplicate_errors, decisions


def finish(
    settings: Settings,
    rules: Rules,
    work: Plan,
    cleaned: Sequence[Article],
    errors: list[ReadError],
    timings: Counter[str],
) -> dict[str, object]:
    """De-duplicate the whole corpus (cached and newly cleaned articles) and write it."""
    articles = work.merge(cleaned)
    mark = time.perf_counter()
    earlier = read_json(settings.output_dir / STATE_FILE)
    result, state = deduplicate(
        articles,
        rules,
        items_from_state(earlier),
        settings.dedup,
        memo_from_state(earlier, settings.dedup),
    )
    timings["dedup"] += time.perf_counter() - mark
    report = build_report(settings, rules, articles, errors, dict(timings), result, work)
    entries = {  # an article whose grammar check failed is checked again next run
        a.id: Cache.entry(a, work.fingerprints[a.id])
        for a in cleaned
        if not any(w.startswith(GRAMMAR_FAILED) for w in a.warnings)
    }
    write_corpus(
        settings.output_dir, articles, report, result.clusters, result.report, state, entries
    )
    return report


def clean_in_processes(
    batches_: Sequence[Batch], workers: int, timings: Counter[str]
) -> tuple[list[Article], list[ReadError]]:
    """Clean ``batches_`` in ``workers`` processes (the stages are CPU-bound Python), results in
    batch order."""
    from concurrent.futures import ProcessPoolExecutor

    cleaned: list[Article] = []
    failed: list[ReadError] = []
    with ProcessPoolExecutor(workers) as pool:
        for done, errors, batch_timings in pool.map(_clean_job, batches_):
            cleaned += done
            failed += errors
            timings.update(batch_timings)
    return cleaned, failed


def _clean_job(batch: Batch) -> tuple[list[Article], list[ReadError], dict[str, float]]:
    timings: Counter[str] = Counter()
    done, failed = batch.clean(timings)
    return done, failed, dict(timings)


def cleanup(settings: Settings, force: bool = False, workers: int = 1) -> dict[str, object]:
    """Read, clean and write one folder; return the report (also written to report.json).

    Articles unchanged since the last run into the same output are not cleaned again (see
    `postedit.incremental`); ``force`` cleans everything. ``workers`` > 1 cleans in that many
    processes. Holds the output folder's lock.
    """
    with output_lock(settings.output_dir):
        timings: Counter[str] = Counter()
        started = time.perf_counter()
        rules = load_rules(settings.rules_dir)
        timings["load_rules"] = time.perf_counter() - started

        mark = time.perf_counter()
        work, errors, decisions = prepare(settings, rules, force)
        timings["read"] = time.perf_counter() - mark

        if workers > 1 and len(work.todo) > 2 * PROCESS_BATCH:
            jobs = batches(work.todo, rules, decisions, PROCESS_BATCH, settings.grammar)
            cleaned, failed = clean_in_processes(jobs, workers, timings)
        else:
            cleaned, failed = clean_batch(work.todo, rules, decisions, timings, settings.grammar)
        return finish(settings, rules, work, cleaned, errors + failed, timings)


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
    errors = report["errors"]
    assert isinstance(errors, list)
    if errors:
        lines += ["", "## Errors", ""] + [f"- `{e['source']}`: {e['message']}" for e in errors]
    return "\n".join(lines) + "\n"
