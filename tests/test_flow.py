"""The Prefect flow, for real, on a local ephemeral server (one session-scoped harness)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import RULES, SEEDS

pytestmark = pytest.mark.flow


def test_cleanup_flow_on_the_seeds(prefect_harness, tmp_path: Path) -> None:
    from flows.cleanup import cleanup
    from postedit.runner import Settings
    from postedit.runner import cleanup as plain_cleanup

    state = cleanup(
        input_dir=SEEDS,
        rules_dir=RULES,
        output_dir=tmp_path / "flow",
        language="en",
        source_language="ar",
        return_state=True,
    )
    assert state.is_completed()
    report = state.result()
    assert report["articles"] == 5 and report["status"] == "ok"

    # the flow writes exactly what the plain library run writes
    plain_cleanup(Settings(SEEDS, RULES, tmp_path / "plain", "en", "ar"))
    flow_corpus = (tmp_path / "flow" / "corpus.jsonl").read_bytes()
    assert flow_corpus == (tmp_path / "plain" / "corpus.jsonl").read_bytes()
    for name in ("articles", "diffs"):
        for path in sorted((tmp_path / "plain" / name).iterdir()):
            assert (tmp_path / "flow" / name / path.name).read_bytes() == path.read_bytes()

    # the run-summary artifact is in Prefect, with a row per rule
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def artifacts():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["cleanup-summary"]))
            )

    import asyncio

    found = asyncio.run(artifacts())
    assert found, "no cleanup-summary artifact"
    assert "en.from-ar.truth-truce" in found[-1].data


def test_flow_refuses_bad_parameters(prefect_harness) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.cleanup import cleanup

    with pytest.raises(ParameterTypeError):
        cleanup(input_dir=SEEDS, rules_dir=RULES, output_dir=SEEDS, batch_size="many")


def test_partial_run_still_writes_the_good_articles(prefect_harness, tmp_path: Path) -> None:
    from flows.cleanup import cleanup

    inbox = tmp_path / "in"
    shutil.copytree(SEEDS, inbox)
    (inbox / "broken.jsonl").write_text('{"id": "ok-1", "text": "Fine text."}\nnot json\n')
    report = cleanup(input_dir=inbox, rules_dir=RULES, output_dir=tmp_path / "out", language="en")
    assert report["status"] == "partial" and report["failed"] == 1
    assert "broken.jsonl:2" in report["errors"][0]["source"]
    ids = [json.loads(line)["id"] for line in (tmp_path / "out" / "corpus.jsonl").open()]
    assert "ok-1" in ids and len(ids) == 6
