"""The flow as a scheduled job: incremental re-runs, a Dask cluster, `postedit serve` and the
prefect.yaml deployment, all against the session's real Prefect server."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, RULES, SEEDS
from test_incremental import snapshot

pytestmark = pytest.mark.flow


def without_timings(report: dict) -> dict:
    """The report less what differs from run to run: timings, outputs and the run itself."""
    return {k: v for k, v in report.items() if k not in ("timings", "outputs", "run")}


async def deployment(name: str):
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return await client.read_deployment_by_name(name)


def wait_for_deployment(name: str, proc: subprocess.Popen, timeout: float = 120):
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            return asyncio.run(deployment(name))
        except ObjectNotFound:
            time.sleep(0.5)
    raise AssertionError(f"deployment {name} never appeared")


def server_env() -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}


def test_flow_reruns_are_incremental(prefect_harness, tmp_path: Path) -> None:
    from flows.cleanup import cleanup

    inbox, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inbox)
    params = dict(input_dir=inbox, rules_dir=RULES, output_dir=out, language="en")
    first = cleanup(**params, source_language="ar", decisions=None)
    before = snapshot(out)
    second = cleanup(**params, source_language="ar", decisions=None)
    assert (first["processed"], second["processed"], second["skipped"]) == (5, 0, 5)
    assert second["outputs"]["written"] == 0 and snapshot(out) == before
    assert {"read", "load_rules", "dedup", "write"} <= set(first["timings"])
    # nothing changed: the second run neither de-duplicates nor writes the corpus again
    assert {"read", "load_rules"} <= set(second["timings"]) and "dedup" not in second["timings"]


def test_a_two_worker_dask_cluster_gives_the_same_output(prefect_harness, tmp_path: Path) -> None:
    from flows.cleanup import cleanup
    from postedit.orchestration import task_runner
    from postedit.runner import Settings
    from postedit.runner import cleanup as plain_cleanup
    from postedit.synthetic import write_news_corpus

    inbox = tmp_path / "in"
    shutil.copytree(SEEDS, inbox)
    write_news_corpus(inbox, 10, SEEDS)
    plain = plain_cleanup(Settings(inbox, RULES, tmp_path / "plain", "en", "ar", decisions=None))

    on_dask = cleanup.with_options(task_runner=task_runner(workers=2))
    state = on_dask(
        input_dir=inbox,
        rules_dir=RULES,
        output_dir=tmp_path / "dask",
        language="en",
        source_language="ar",
        batch_size=2,  # 8 batches over 2 worker processes
        decisions=None,
        return_state=True,
    )
    assert state.is_completed()
    report = state.result()
    assert report["processed"] == 15
    assert without_timings(report) == without_timings(plain)
    assert snapshot(tmp_path / "dask") == snapshot(tmp_path / "plain")


def test_parameters_are_validated(prefect_harness, tmp_path: Path) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.cleanup import cleanup

    for bad in ({"batch_size": 0}, {"language": "english please"}, {"force": "maybe"}):
        with pytest.raises(ParameterTypeError):
            cleanup(input_dir=SEEDS, rules_dir=RULES, output_dir=tmp_path, **bad)
    with pytest.raises(ValueError, match="input folder not found"):
        cleanup(input_dir=tmp_path / "nowhere", rules_dir=RULES, output_dir=tmp_path / "out")


def test_postedit_serve_carries_the_cron_schedule(prefect_harness, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "postedit.cli",
        "serve",
        str(SEEDS),
        "-o",
        str(tmp_path / "out"),
        "-r",
        str(RULES),
        "--language=en",
        "--cron",
        "*/30 * * * *",
        "--name",
        "every-half-hour",
    ]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=server_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        found = wait_for_deployment("cleanup/every-half-hour", proc)
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    (schedule,) = found.schedules
    assert schedule.schedule.cron == "*/30 * * * *" and schedule.active
    assert found.parameters["input_dir"] == str(SEEDS.resolve())
    assert found.parameters["language"] == "en"


def test_postedit_serve_without_a_server_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    command = [sys.executable, "-m", "postedit.cli", "serve", str(SEEDS), "-r", str(RULES)]
    done = subprocess.run(
        [*command, "--cron", "*/30 * * * *"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "prefect server start" in done.stderr
    done = subprocess.run(
        [*command, "--cron", "every now and then"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2 and "--cron" in done.stderr


def test_a_flow_run_over_an_emptied_inbox_fails_and_writes_nothing(
    prefect_harness, tmp_path: Path
) -> None:
    from flows.cleanup import cleanup

    inbox, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(SEEDS, inbox)
    params = dict(input_dir=inbox, rules_dir=RULES, output_dir=out, language="en", grammar="off")
    cleanup(**params)
    before = {**snapshot(out), "report.json": (out / "report.json").read_bytes()}
    for path in inbox.iterdir():
        path.unlink()
    state = cleanup(**params, return_state=True)
    assert state.is_failed() and "refusing to remove 5 of the 5 articles" in state.message
    assert {**snapshot(out), "report.json": (out / "report.json").read_bytes()} == before


def test_only_errors_a_second_try_may_get_past_are_retried() -> None:
    from prefect.states import Failed

    from flows.cleanup import clean_batch_task
    from postedit.orchestration import RETRY, transient

    assert clean_batch_task.retry_condition_fn is transient and RETRY["retries"] == 2
    for passing in (ConnectionResetError("reset"), TimeoutError("slow"), OSError(28, "full")):
        assert transient(None, None, Failed(data=passing))
    for lasting in (ValueError("bad value"), KeyError("x"), PermissionError(13, "no")):
        assert not transient(None, None, Failed(data=lasting))
