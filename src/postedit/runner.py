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
from .decisions import load_decisions
from .dedup import DedupConfig, Item, Result, deduplicate, items_from_state
from .model import Article
from .pipeline import Engine, clean_articles, count_edits
from .read import ReadDefaults, ReadError, read_folder, read_json
from .rules import Rules, load_rules
from .write import STATE_FILE, write_corpus


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


def build_report(
    settings: Settings,
    rules: Rules,
    articles: Sequence[Article],
    errors: Iterable[ReadError],
    timings: dict[str, float],
    dedup: Result | None = None,
) -> dict[str, object]:
    errors = list(errors)
    by_rule = count_edits(articles)
    by_action: Counter[str] = Counter()
    for counts in by_rule.values():
        by_action.update(counts)
    return {
        "postedit_version": __version__,
        "input": str(settings.input_dir),
        "rules": str(settings.rules_dir),
        "rule_count": len(rules.rules),
        "articles": len(articles),
        "failed": len(errors),
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
        "timings": {k: round(v, 4) for k, v in sorted(timings.items())},
    }


def dedup_summary(result: Result | None, current: set[str]) -> dict[str, int]:
    if result is None:
        return {}
    roles = Counter(c["role"] for i, c in result.clusters.items() if i in current)
    return {
        "candidate_pairs": result.candidates,
        "stories": len(result.report),
        "duplicates": roles["duplicate"],
        "related": roles["related"],
    }


def cleanup(settings: Settings) -> dict[str, object]:
    """Read, clean and write one folder; return the report (also written to report.json)."""
    timings: Counter[str] = Counter()
    started = time.perf_counter()
    rules = load_rules(settings.rules_dir)
    timings["load_rules"] = time.perf_counter() - started

    mark = time.perf_counter()
    articles, errors = read_inputs(settings)
    articles, duplicate_errors = dedupe_ids(articles)
    errors += duplicate_errors
    timings["read"] = time.perf_counter() - mark

    engine = Engine(rules, load_decisions(settings.decisions))
    cleaned = list(clean_articles(articles, engine, timings))
    mark = time.perf_counter()
    result, state = deduplicate(cleaned, rules, earlier_items(settings.output_dir), settings.dedup)
    timings["dedup"] = time.perf_counter() - mark
    report = build_report(settings, rules, cleaned, errors, dict(timings), result)
    write_corpus(settings.output_dir, cleaned, report, result.clusters, result.report, state)
    return report


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
        f"{report['articles']} articles cleaned, {report['failed']} failed "
        f"({report['status']}); {edits['by_action'].get('fix', 0)} fixes, "
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
