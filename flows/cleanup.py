"""The ``cleanup`` flow: read a folder of articles, repair and correct them, write the corpus.

Run it with ``postedit run`` (or ``python -m flows.cleanup``). Articles go to tasks in batches:
a task run costs more than cleaning one article, so per-article detail lives in the outputs and
the run-summary artifact, not in task runs.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.utilities.annotations import quote

from postedit.decisions import load_decisions
from postedit.dedup import DedupConfig, Result, dedup_config, deduplicate
from postedit.model import Article
from postedit.pipeline import Engine, clean_articles
from postedit.rules import Rules, load_rules
from postedit.runner import (
    Settings,
    build_report,
    dedup_summary,
    dedupe_ids,
    earlier_items,
    read_inputs,
    summary_markdown,
)
from postedit.write import write_corpus

BATCH_SIZE = 250


@task(name="load-rules")
def load_rules_task(rules_dir: Path) -> Rules:
    rules = load_rules(rules_dir)
    get_run_logger().info("Loaded %d rules from %s", len(rules.rules), rules_dir)
    return rules


@task(name="read-articles")
def read_task(settings: Settings) -> tuple[list[Article], list]:
    articles, errors = read_inputs(settings)
    articles, duplicates = dedupe_ids(articles)
    logger = get_run_logger()
    logger.info("Read %d articles from %s", len(articles), settings.input_dir)
    for error in errors + duplicates:
        logger.error("Cannot read %s: %s", error.source, error.message)
    return articles, errors + duplicates


def _run_stage(
    stage: str, articles: list[Article], rules: Rules, decisions: Path | None
) -> tuple[list, dict]:
    timings: Counter[str] = Counter()
    engine = Engine(rules, load_decisions(decisions))
    done = list(clean_articles(articles, engine, timings, stages=(stage,)))
    edits = sum(1 for a in done for e in a.edits if e.stage == stage)
    get_run_logger().info("%s: %d articles, %d edits", stage, len(done), edits)
    return done, dict(timings)


@task(name="repair-batch", retries=1)
def repair_batch(
    articles: list[Article], rules: Rules, decisions: Path | None
) -> tuple[list[Article], dict[str, float]]:
    """ftfy, white space, boilerplate and repeated titles for one batch of articles."""
    return _run_stage("repair", articles, rules, decisions)


@task(name="correct-batch", retries=1)
def correct_batch(
    articles: list[Article], rules: Rules, decisions: Path | None
) -> tuple[list[Article], dict[str, float]]:
    """The rule packs for one batch of repaired articles."""
    return _run_stage("correct", articles, rules, decisions)


@task(name="deduplicate")
def dedup_task(
    articles: list[Article], rules: Rules, output_dir: Path, config: DedupConfig
) -> tuple[Result, dict]:
    """Duplicates and story clusters, against this run's and earlier runs' articles."""
    result, state = deduplicate(articles, rules, earlier_items(output_dir), config)
    summary = dedup_summary(result, {a.id for a in articles})
    get_run_logger().info(
        "De-duplicated: %d candidate pairs, %d duplicates, %d related, %d stories",
        summary["candidate_pairs"],
        summary["duplicates"],
        summary["related"],
        summary["stories"],
    )
    return result, state


@task(name="write-corpus", retries=2, retry_delay_seconds=1)
def write_task(
    output_dir: Path, articles: list[Article], report: dict, result: Result, state: dict
) -> None:
    write_corpus(output_dir, articles, report, result.clusters, result.report, state)
    get_run_logger().info("Wrote %d articles to %s", len(articles), output_dir)


@flow(name="cleanup", validate_parameters=True)
def cleanup(
    input_dir: Path = Path("seeds"),
    rules_dir: Path = Path("rules"),
    output_dir: Path = Path("output"),
    language: str | None = None,
    source_language: str | None = None,
    batch_size: int = BATCH_SIZE,
    dedup: dict[str, float] | None = None,
    decisions: Path | None = Path("review/decisions.jsonl"),
) -> dict:
    """Clean the articles in ``input_dir`` with the packs in ``rules_dir`` into ``output_dir``.

    ``language`` and ``source_language`` apply to articles whose metadata does not say;
    ``dedup`` overrides de-duplication thresholds (the fields of ``postedit.dedup.DedupConfig``);
    ``decisions`` is the editors' decisions file the run honours.
    """
    config = dedup_config(dedup)
    settings = Settings(
        input_dir, rules_dir, output_dir, language, source_language, config, decisions
    )
    started = time.perf_counter()
    rules = load_rules_task(rules_dir)
    articles, errors = read_task(settings)
    timings: Counter[str] = Counter({"read": time.perf_counter() - started})
    batches = [articles[i : i + batch_size] for i in range(0, len(articles), max(1, batch_size))]
    cleaned: list[Article] = []
    for batch in batches:
        repaired, repair_timings = repair_batch(quote(batch), quote(rules), decisions)
        corrected, correct_timings = correct_batch(quote(repaired), quote(rules), decisions)
        cleaned.extend(corrected)
        timings.update(repair_timings)
        timings.update(correct_timings)
    started = time.perf_counter()
    result, state = dedup_task(quote(cleaned), quote(rules), output_dir, config)
    timings["dedup"] = time.perf_counter() - started
    report = build_report(settings, rules, cleaned, errors, dict(timings), result)
    write_task(output_dir, quote(cleaned), report, quote(result), quote(state))
    create_markdown_artifact(
        key="cleanup-summary", markdown=summary_markdown(report), description="postedit run summary"
    )
    get_run_logger().info(
        "Cleanup done: %d articles, %d failed, status %s",
        report["articles"],
        report["failed"],
        report["status"],
    )
    return report


if __name__ == "__main__":
    cleanup()
