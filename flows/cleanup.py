"""The ``cleanup`` flow: read a folder of articles, repair and correct them, write the corpus.

Run it with ``postedit run`` (or ``python -m flows.cleanup``), on a schedule with ``postedit
serve`` or through the deployment in ``prefect.yaml``. Articles go to tasks in batches: a task
run costs more than cleaning one article, so per-article detail lives in the outputs and the
run-summary artifact, not in task runs. Only the ``clean-batch`` tasks go through the flow's task
runner (one thread by default, a Dask cluster with ``postedit run --workers N`` or
``--dask-address``); reading, de-duplication and writing stay in the flow's own process, which
holds the output folder's lock. Cleaning is CPU-bound Python: batches on several threads of one
process only contend for the interpreter lock (measured: a third slower), so the default runs them
one at a time and more cores come from processes (Dask). The flow streams, as
`postedit.runner.Run` does: it reads ``batch_size`` files at a time, keeps at most `IN_FLIGHT`
batches in the task runner, and keeps of each cleaned article only a summary (the article itself
goes to the cache until the corpus is written).
"""

# No ``from __future__ import annotations`` here: a run started by a deployment (``serve``, a
# worker) loads this module in a fresh process, where Prefect builds the parameter model from the
# annotations; as strings, ``Annotated[...]`` cannot be resolved there and every run fails.
import time
from collections import Counter, deque
from pathlib import Path
from typing import Annotated, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.logging.handlers import APILogHandler
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote
from pydantic import Field

from postedit.decisions import load_decisions
from postedit.dedup import dedup_config
from postedit.grammar import GrammarSettings
from postedit.lock import output_lock
from postedit.model import Article
from postedit.read import ReadError, list_inputs
from postedit.rules import Rules, load_rules
from postedit.runner import (
    MAX_REMOVAL,
    Batch,
    RemovalRefused,
    Run,
    Settings,
    batches,
    run_warnings,
    summary_markdown,
)

BATCH_SIZE = 250
IN_FLIGHT = 4  # clean-batch tasks submitted and not yet taken in (bounds the flow's memory)
LANGUAGE = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"


def transient(task, task_run, state) -> bool:
    """Retry only what a second try may get past: the disk or the network failing for a while, a
    lost Dask worker. A deterministic error (a bug, a bad value, a missing or forbidden file)
    fails the same way every time: retrying it only delays the message."""
    exc = state.data
    if isinstance(exc, OSError):
        return not isinstance(exc, PermissionError | FileNotFoundError | NotADirectoryError)
    return type(exc).__name__ == "KilledWorker"


RETRY = dict(retries=2, retry_delay_seconds=2, retry_condition_fn=transient)


@task(name="load-rules", cache_policy=NO_CACHE)
def load_rules_task(rules_dir: Path) -> Rules:
    rules = load_rules(rules_dir)
    get_run_logger().info("Loaded %d rules from %s", len(rules.rules), rules_dir)
    return rules


@task(name="read-articles", cache_policy=NO_CACHE, **RETRY)
def read_task(run: Run, paths: list[Path], done: int, total: int) -> list[Article]:
    """Read a chunk of the input folder; return the articles changed since the last run (the
    run keeps the unchanged ones and the errors)."""
    errors = len(run.errors)
    todo = run.read(paths)
    logger = get_run_logger()
    logger.info(
        "Read files %d-%d of %d: %d articles to clean",
        done + 1,
        done + len(paths),
        total,
        len(todo),
    )
    for error in run.errors[errors:]:
        logger.error("Cannot read %s: %s", error.source, error.message)
    return todo


@task(name="clean-batch", cache_policy=NO_CACHE, **RETRY)
def clean_batch_task(batch: Batch) -> tuple[list[Article], list[ReadError], dict[str, float]]:
    """Repair, correct and check one batch of articles (logged per stage)."""
    logger = get_run_logger()
    timings: Counter[str] = Counter()
    done, failed = batch.clean(timings)
    stages = (
        ("repair", ("structure", "ftfy", "whitespace")),
        ("correct", ("rules",)),
        ("grammar", ("grammar",)),
    )
    for stage, steps in stages:
        edits = Counter(e.action for a in done for e in a.edits if e.stage == stage)
        logger.info(
            "%s: %d articles, %d fixes, %d flags in %.2f s",
            stage,
            len(done),
            edits["fix"],
            edits["flag"],
            sum(timings[s] for s in steps),
        )
    for error in failed:
        logger.error("Cannot clean %s: %s", error.source, error.message)
    return done, failed, dict(timings)


@task(name="deduplicate-and-write", cache_policy=NO_CACHE, **RETRY)
def finish_task(run: Run, timings: dict[str, float]) -> dict:
    """De-duplicate the whole corpus against earlier runs and write it (report.json last)."""
    logger = get_run_logger()
    logger.info(
        "Read %d articles from %s: %d cleaned, %d unchanged since the last run",
        len(run.summaries),
        run.settings.input_dir,
        len(run.summaries) - run.skipped,
        run.skipped,
    )
    languages = sorted({s.language or "unknown" for s in run.summaries.values()})
    for language in languages:  # one notice per language, never one per article
        notice = run.settings.grammar.notice(None if language == "unknown" else language)
        logger.info("Grammar, %s articles: %s", language, notice)
    report = run.finish(timings)
    for gone in report["removals"]:
        logger.info("Removed %s (%s): no longer in the input", gone["id"], gone["source"] or "?")
    logger.info(
        "De-duplicated: %(candidate_pairs)d candidate pairs, %(duplicates)d duplicates, "
        "%(related)d related, %(stories)d stories",
        report["dedup"],
    )
    logger.info(
        "Wrote %d articles to %s: %s",
        report["articles"],
        run.settings.output_dir,
        report["outputs"],
    )
    return report


@flow(name="cleanup", validate_parameters=True, task_runner=ThreadPoolTaskRunner(max_workers=1))
def cleanup(
    input_dir: Path = Path("seeds"),
    rules_dir: Path = Path("rules"),
    output_dir: Path = Path("output"),
    language: Annotated[str | None, Field(pattern=LANGUAGE)] = None,
    source_language: Annotated[str | None, Field(pattern=LANGUAGE)] = None,
    batch_size: Annotated[int, Field(ge=1, le=100_000)] = BATCH_SIZE,
    dedup: dict[str, float] | None = None,
    decisions: Path | None = None,
    force: bool = False,
    grammar: Literal["auto", "harper", "languagetool", "off"] = "auto",
    languagetool_url: str | None = None,
    languagetool_local: bool = False,
    max_removal: Annotated[float, Field(ge=0, le=1)] = MAX_REMOVAL,
) -> dict:
    """Clean the articles in ``input_dir`` with the packs in ``rules_dir`` into ``output_dir``.

    ``language`` and ``source_language`` apply to articles whose metadata does not say;
    ``dedup`` overrides de-duplication thresholds (the fields of ``postedit.dedup.DedupConfig``);
    ``decisions`` is the editors' decisions file the run honours (default
    ``OUTPUT/review/decisions.jsonl``, where ``postedit review`` records them). Articles
    unchanged since the last run into ``output_dir`` are not cleaned again unless ``force`` is
    set. ``grammar`` picks the grammar checker (``auto``: LanguageTool at ``languagetool_url``
    or, with ``languagetool_local``, language-tool-python's own; else Harper for English). A
    run that would remove more than ``max_removal`` of the corpus (an empty or unmounted inbox)
    fails with `RemovalRefused` and writes nothing.
    """
    if not Path(input_dir).is_dir():
        raise ValueError(f"input folder not found: {input_dir}")
    if not Path(rules_dir).is_dir():
        raise ValueError(f"rules folder not found: {rules_dir}")
    if Path(output_dir).resolve().is_relative_to(Path(input_dir).resolve()):
        raise ValueError(f"the output folder {output_dir} is inside the input folder {input_dir}")
    settings = Settings(
        input_dir,
        rules_dir,
        output_dir,
        language,
        source_language,
        dedup_config(dedup),
        decisions,
        GrammarSettings(grammar, languagetool_url, languagetool_local),
        max_removal,
    )
    logger = get_run_logger()
    with output_lock(output_dir):
        started = time.perf_counter()
        rules = load_rules_task(rules_dir)
        decisions = load_decisions(settings.decisions_file)
        run = Run(settings, rules, decisions, force, run_id=flow_run.id)
        timings: Counter[str] = Counter({"load_rules": time.perf_counter() - started})
        started = time.perf_counter()
        pending: deque = deque()
        paths = list_inputs(settings.input_dir)
        for at in range(0, len(paths), batch_size):
            todo = read_task(quote(run), paths[at : at + batch_size], at, len(paths))
            # a Batch is opaque to Prefect and Dask alike: no quote() (Dask would unpack it)
            for batch in batches(todo, run.rules, run.decisions, batch_size, settings.grammar):
                pending.append(clean_batch_task.submit(batch))
            while len(pending) > IN_FLIGHT:  # in submission order: the output never depends
                run.take(*pending.popleft().result())  # on timing; a few batches in memory
        while pending:
            run.take(*pending.popleft().result())
        timings["clean"] = time.perf_counter() - started - run.timings["read"]
        logger.info("Cleaned: %d articles read, %d errors", len(run.ids), len(run.errors))
        try:  # here, not in a task: a refusal is not retried
            run.check_removals()
        except RemovalRefused as exc:
            logger.error("%s", exc)
            raise
        report = finish_task(quote(run), dict(timings))
    create_markdown_artifact(
        key="cleanup-summary", markdown=summary_markdown(report), description="postedit run summary"
    )
    for warning in run_warnings(report):
        logger.warning("%s", warning)
    logger.info(
        "Cleanup done: %d articles, %d cleaned, %d unchanged, %d failed, %d removed; status %s",
        report["articles"],
        report["processed"],
        report["skipped"],
        report["failed"],
        report["removed"],
        report["status"],
    )
    # logs go to the API in the background: send them now, or a run process that exits on a
    # loaded machine loses the run's last lines (its summary) before the operator sees them
    APILogHandler().flush()
    return report


def task_runner(dask_address: str | None = None, workers: int | None = None):
    """A Dask task runner for an existing cluster (``tcp://host:8786``) or a local cluster of
    ``workers`` processes; None for the flow's default (one thread in this process)."""
    if not dask_address and not workers:
        return None
    from prefect_dask import DaskTaskRunner

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": ":0",  # any free port: never clash with another cluster
        }
    )


if __name__ == "__main__":
    cleanup()
