"""The ``cleanup`` flow: the library's one path (`postedit.runner.cleanup`), its batches cleaned
by Prefect tasks. Run it with ``postedit run``, ``python -m flows.cleanup``, on a schedule with
``postedit serve`` or through the deployment in ``prefect.yaml``. A task gets a batch (a value)
and returns it cleaned; reading, de-duplication and writing stay in the flow's process, which
holds the output folder's lock. Batches run one at a time by default (cleaning is CPU-bound
Python: threads only contend for the interpreter lock); more cores come from Dask.
"""

# No ``from __future__ import annotations``: a deployment's run loads this module in a fresh
# process, where Prefect builds the parameter model from the annotations.
from pathlib import Path
from typing import Annotated, Literal

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.logging.handlers import APILogHandler
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import Field

from postedit.orchestration import RETRY
from postedit.report import batch_lines, summary_markdown
from postedit.runner import BATCH_SIZE, MAX_REMOVAL, Batch, Cleaned, Settings, clean_job
from postedit.runner import cleanup as run_cleanup

LANGUAGE = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"


@task(name="clean-batch", cache_policy=NO_CACHE, **RETRY)
def clean_batch_task(batch: Batch) -> Cleaned:
    """Repair, correct and check one batch of articles (logged per stage)."""
    cleaned = clean_job(batch)
    for line in batch_lines(cleaned[0], cleaned[2]):
        get_run_logger().info("%s", line)
    return cleaned


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
    """Clean the articles in ``input_dir`` with the packs in ``rules_dir`` into ``output_dir``
    (the parameters are `postedit.runner.Settings.of`'s; ``force`` cleans unchanged articles
    again). A run that would remove more than ``max_removal`` of the corpus fails with
    `RemovalRefused` and writes nothing."""
    settings = Settings.of(
        input_dir, rules_dir, output_dir, language, source_language, dedup, decisions,
        grammar, languagetool_url, languagetool_local, max_removal,
    )  # fmt: skip
    report = run_cleanup(
        settings, force, submit=clean_batch_task.submit, batch_size=batch_size,
        run_id=str(flow_run.id), log=get_run_logger(),
    )  # fmt: skip
    create_markdown_artifact(
        key="cleanup-summary", markdown=summary_markdown(report), description="postedit run summary"
    )
    APILogHandler().flush()  # send the logs now: a run process that exits may lose its last lines
    return report


if __name__ == "__main__":
    cleanup()
