"""Scheduled runs that really run: `postedit serve` and the prefect.yaml deployment with a worker,
against a real `prefect server start`, each waited for until a run the scheduler created has
completed and written the corpus."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import ROOT, RULES, SEEDS, free_port, stop

pytestmark = pytest.mark.flow

SEED_COUNT = len(list(SEEDS.glob("*.*")))
S002 = "002_886702d4e5dac6fe"
TRUCE = "en.from-ar.truth-truce"


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
    are shipped in the background: they may arrive a little after the run's final state, and on
    a loaded machine the very last lines of a run process can be lost at its exit)."""
    deadline = time.monotonic() + 60
    while True:
        logs = api(
            env,
            "/logs/filter",
            {"logs": {"flow_run_id": {"any_": [run["id"]]}}, "sort": "TIMESTAMP_DESC"},
        )
        if any(line["message"].startswith("Cleaned: ") for line in logs):  # the flow's own
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


def review_decides(out: Path, desk: Path, env: dict[str, str]) -> tuple[str, str]:
    """``postedit review -o OUT`` started in another folder, and one decision taken on its page:
    the truce rule turned off for S002's source. Returns what review printed, and the decision
    file's text."""
    port = free_port()
    desk.mkdir()
    review = ["review", "-o", os.path.relpath(out, desk), f"--port={port}"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "postedit.cli", *review],
        cwd=desk,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        said = proc.stdout.readline() + proc.stdout.readline()
        base = f"http://127.0.0.1:{port}"
        page = httpx.get(f"{base}/articles/{S002}.html", timeout=10).text
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        form = {
            "article": S002,
            "rule": TRUCE,
            "before": "truth",
            "decision": "off",
            "scope": "source",
            "source": f"{S002}.txt",
            "token": token,
        }
        headers = {"Origin": base, "Referer": f"{base}/articles/{S002}.html"}
        answer = httpx.post(f"{base}/decide", data=form, headers=headers, timeout=10)
        assert answer.status_code == 303, answer.text
    finally:
        stop(proc)
    return said, (out / "review" / "decisions.jsonl").read_text()


def truce_edits(out: Path) -> int:
    for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == S002:
            return sum(e["rule"] == TRUCE for e in record["edits"])
    raise AssertionError(f"{S002} is not in the corpus")


def test_a_run_scheduled_by_postedit_serve_completes_and_honours_review(
    prefect_server, tmp_path: Path
) -> None:
    """serve, started in one folder, runs on its schedule; review, started in another, records a
    decision that the next scheduled run honours: both use the corpus's own decisions file."""
    inbox, out, rules = tmp_path / "inbox", tmp_path / "corpus", tmp_path / "rules"
    shutil.copytree(SEEDS, inbox)
    shutil.copytree(RULES, rules)
    log = tmp_path / "serve.log"
    (tmp_path / "ops").mkdir()
    command = [
        sys.executable,
        "-m",
        "postedit.cli",
        "serve",
        "../inbox",
        "-o",
        "../corpus",
        "-r",
        "../rules",
        "--language=en",
        "--source-language=ar",
        "--interval=5",
        "--name=every-five-seconds",
    ]
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            command, cwd=tmp_path / "ops", env=prefect_server, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            run = wait_for_scheduled_run(prefect_server, "cleanup/every-five-seconds", proc, log)
            assert len(corpus_ids(out)) == SEED_COUNT and truce_edits(out) == 3
            report = json.loads((out / "report.json").read_text())
            assert report["status"] == "ok" and report["run"]["id"] == run["id"]
            check_visible_in_the_api(prefect_server, run)

            said, decided = review_decides(out, tmp_path / "desk", prefect_server)
            assert f"exceptions to the packs in {rules}" in said  # the rules the runs use
            assert TRUCE in decided
            deadline = time.monotonic() + 120
            while truce_edits(out):  # the next scheduled run takes the decision in
                assert proc.poll() is None and time.monotonic() < deadline, output_of(proc, log)
                time.sleep(1)
        finally:
            stop(proc)


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
