"""What running the cleanup under Prefect needs beyond the library: which task failures are
worth a retry, and a Dask task runner for more cores (``postedit run --workers N`` or
``--dask-address``). The flow itself is ``flows/cleanup.py``."""

from __future__ import annotations

from typing import Any


def transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only what a second try may get past: the disk or the network failing for a while, a
    lost Dask worker. A deterministic error (a bug, a bad value, a missing or forbidden file)
    fails the same way every time: retrying it only delays the message."""
    exc = state.data
    if isinstance(exc, OSError):
        return not isinstance(exc, PermissionError | FileNotFoundError | NotADirectoryError)
    return type(exc).__name__ == "KilledWorker"


RETRY: dict[str, Any] = dict(retries=2, retry_delay_seconds=2, retry_condition_fn=transient)


def task_runner(dask_address: str | None = None, workers: int | None = None) -> Any:
    """A Dask task runner for an existing cluster (``tcp://host:8786``) or a local cluster of
    ``workers`` processes; None for the flow's default (one thread in the flow's process)."""
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
