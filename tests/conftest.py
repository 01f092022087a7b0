from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory):
    """What postedit keeps in the user's cache goes to a folder of the session (the runs in
    subprocesses too), not to the home of whoever runs the tests."""
    import os

    os.environ["POSTEDIT_CACHE"] = str(tmp_path_factory.mktemp("user-cache"))


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A user's cache folder not made yet, with the clean stage's tables (the language model,
    the word frequencies) let go before and after: what a test reads comes from this folder."""
    from postedit import memory

    folder = tmp_path / "cache"
    monkeypatch.setenv("POSTEDIT_CACHE", str(folder))
    memory.release_clean_caches()
    yield folder
    memory.release_clean_caches()


@pytest.fixture(scope="session")
def rules():
    from postedit.rules import load_rules

    return load_rules(RULES)


@pytest.fixture(scope="session")
def seeds_corpus(tmp_path_factory) -> Path:
    """The seeds cleaned once (English from Arabic), for tests that only read the outputs."""
    from postedit.runner import Settings, cleanup

    folder = tmp_path_factory.mktemp("seeds-corpus")
    cleanup(Settings(SEEDS, RULES, folder, "en", "ar"))
    return folder


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One Prefect test server for the whole session, in a temporary PREFECT_HOME, heartbeat off."""
    import os

    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        prefect_test_harness(server_startup_timeout=90),
    ):
        yield


def cli_run(inbox: Path, out: Path, *extra: str) -> list[str]:
    """``postedit run`` of ``inbox`` into ``out`` as a command line: English from Arabic, the
    project's rules, without Prefect and without the grammar checker (what these runs test is
    the run, not the checker)."""
    import sys

    return [
        sys.executable,
        "-m",
        "postedit.cli",
        "run",
        str(inbox),
        "-o",
        str(out),
        "-r",
        str(RULES),
        "--language=en",
        "--source-language=ar",
        "--no-prefect",
        "--grammar=off",
        *extra,
    ]


def stop(proc) -> None:
    """End a server or worker process started by a test: politely, then not."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A real ``prefect server start`` on loopback, as an operator runs it, with its own
    PREFECT_HOME; its scheduler looks for due runs every 2 s instead of every minute. Yields the
    environment for processes that talk to it (PREFECT_API_URL set)."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_WORKER_PREFETCH_SECONDS": "5",
    }
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host=127.0.0.1", f"--port={port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while True:
        assert proc.poll() is None, (home / "server.log").read_text()
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "prefect server did not start in 180 s"
        time.sleep(0.5)
    try:
        yield env
    finally:
        stop(proc)
        log.close()
