"""Scheduled runs that really run: `postedit serve` and the prefect.yaml deployment with a worker,
against a real `prefect server start`, each waited for until a run the scheduler created has
completed and written the corpus."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import ROOT, RULES, SEEDS

pytestmark = pytest.mark.flow

SEED_COUNT = len(list(SEEDS.glob("*.*")))


def api(env: dict[str, str], path: str, body: dict | None = None):
    url = env["PREFECT_API_URL"] + path
    response = httpx.post(url, json=body, timeout=10) if body is not None else httpx.get(url)
    response.raise_for_status()
    return response.json()


def output_of(proc: subprocess.Popen, log: Path) -> str:
    return f"exit {proc.poll()}:\n" + log.read_text(errors="replace")[-4000:]


def wait_for_scheduled_run(
    env: dict[str, str], deployment: str, proc: subprocess.Popen, log: Path, timeout: float = 180
) -> dict:
    """The first run of ``deployment`` that the scheduler created and that reached Completed;
    fails at once on a run that failed or crashed, or on a process that died."""
    deadline = time.monotonic() + timeout
    found = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, output_of(proc, log)
        if found is None:
            try:
                found = api(env, f"/deployments/name/{deployment}")
            except httpx.HTTPStatusError:
                time.sleep(1)
                continue
        runs = api(
            env, "/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [found["id"]]}}}
        )
        for run in runs:
            state = run["state"]["type"] if run["state"] else None
            if state in ("FAILED", "CRASHED"):
                logs = api(env, "/logs/filter", {"logs": {"flow_run_id": {"any_": [run["id"]]}}})
                text = "\n".join(line["message"] for line in logs)
                raise AssertionError(f"run {run['name']} {state}: {text}\n{output_of(proc, log)}")
            if state == "COMPLETED" and run["auto_scheduled"]:
                return run
        time.sleep(1)
    raise AssertionError(f"no scheduled run of {deployment} completed\n{output_of(proc, log)}")


def check_visible_in_the_api(env: dict[str, str], run: dict) -> None:
    """The run's logs and its summary artifact are in the API, as an operator sees them (logs
    are shipped in the background: they may arrive a little after the run's final state)."""
    deadline = time.monotonic() + 60
    while True:
        logs = api(
            env,
            "/logs/filter",
            {"logs": {"flow_run_id": {"any_": [run["id"]]}}, "sort": "TIMESTAMP_DESC"},
        )
        if any("Cleanup done" in line["message"] for line in logs):
            break
        assert time.monotonic() < deadline, [line["message"] for line in logs]
        time.sleep(1)
    artifacts = api(
        env,
        "/artifacts/filter",
        {"artifacts": {"key": {"any_": ["cleanup-summary"]}, "flow_run_id": {"any_": [run["id"]]}}},
    )
    assert artifacts and "articles in the corpus" in artifacts[0]["data"]


def corpus_ids(out: Path) -> list[str]:
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["id"] for line in lines]


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_a_run_scheduled_by_postedit_serve_completes(prefect_server, tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "corpus"
    shutil.copytree(SEEDS, inbox)
    log = tmp_path / "serve.log"
    command = [
        sys.executable,
        "-m",
        "postedit.cli",
        "serve",
        str(inbox),
        "-o",
        str(out),
        "-r",
        str(RULES),
        "--language=en",
        "--source-language=ar",
        "--interval=5",
        "--name=every-five-seconds",
    ]
    with log.open("wb") as sink:  # started elsewhere: paths must not depend on the directory
        proc = subprocess.Popen(
            command, cwd=tmp_path, env=prefect_server, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            run = wait_for_scheduled_run(prefect_server, "cleanup/every-five-seconds", proc, log)
        finally:
            stop(proc)
    assert len(corpus_ids(out)) == SEED_COUNT
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "ok" and report["run"]["id"] == run["id"]
    check_visible_in_the_api(prefect_server, run)


def test_a_run_scheduled_by_the_prefect_yaml_deployment_completes_on_a_worker(
    prefect_server, tmp_path: Path
) -> None:
    """The project's prefect.yaml, deployed as an operator does, with a process worker; only its
    schedule is shortened from half an hour to seconds."""
    project = tmp_path / "project"
    project.mkdir()
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    (entry,) = spec["deployments"]
    entry["schedules"] = [{"interval": 5, "timezone": "UTC", "active": True}]
    (project / "prefect.yaml").write_text(yaml.safe_dump(spec))
    shutil.copytree(ROOT / "flows", project / "flows")
    shutil.copytree(RULES, project / entry["parameters"]["rules_dir"])
    shutil.copytree(SEEDS, project / entry["parameters"]["input_dir"])
    prefect = [sys.executable, "-m", "prefect"]
    pool = entry["work_pool"]["name"]
    for command in (
        [*prefect, "work-pool", "create", pool, "--type", "process", "--overwrite"],
        [*prefect, "--no-prompt", "deploy", "--all"],
    ):
        done = subprocess.run(
            command, cwd=project, env=prefect_server, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stdout + done.stderr
    log = tmp_path / "worker.log"
    with log.open("wb") as sink:
        worker = subprocess.Popen(
            [*prefect, "worker", "start", "--pool", pool],
            cwd=tmp_path,
            env=prefect_server,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            run = wait_for_scheduled_run(prefect_server, f"cleanup/{entry['name']}", worker, log)
        finally:
            stop(worker)
    out = project / entry["parameters"]["output_dir"]
    assert len(corpus_ids(out)) == SEED_COUNT
    check_visible_in_the_api(prefect_server, run)
