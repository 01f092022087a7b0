"""The whole cleanup, stage by stage, against ftfy alone: throughput and peak memory.

    python benchmarks/bench_run.py [--size 10000] [--no-prefect] [--workers N]

Generates ``--size`` seed-like articles with MT errors and known reposts
(`postedit.synthetic.news_corpus`) and prints, as a table and as JSON:

- ``ftfy.fix_text`` alone on the same texts: the yardstick, since every article must pay for it;
- each stage (read, repair, correct, de-duplicate, write) on its own: seconds, articles/s, MB/s
  and the peak resident memory while it ran (sampled every 20 ms);
- the whole cleanup (no grammar checker, no Prefect), each run in a fresh process so that its
  peak memory is its own, and its ratio to ftfy (higher is better; 1.0 would be as fast as ftfy
  alone); the same with every core, and on a quarter of the articles (how memory grows);
- the whole cleanup as a Prefect flow (after one warm-up run, so that the temporary server's
  start is not counted) and Prefect's overhead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import ftfy

from postedit.decisions import Decisions
from postedit.dedup import deduplicate
from postedit.grammar import GrammarSettings
from postedit.read import list_inputs
from postedit.rules import load_rules
from postedit.runner import Run, Settings, clean_batch
from postedit.synthetic import write_news_corpus
from postedit.write import write_corpus

ROOT = Path(__file__).resolve().parents[1]
OFF = GrammarSettings("off")


def rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def measured(results: dict, name: str, articles: int, megabytes: float):
    """Time the block and sample its peak resident memory."""
    peak = [rss()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        done.set()
        thread.join()
        peak[0] = max(peak[0], rss())
        results[name] = {
            "seconds": round(seconds, 3),
            "articles_per_s": round(articles / seconds, 1) if seconds else None,
            "mb_per_s": round(megabytes / seconds, 2) if seconds else None,
            "peak_rss_mb": round(peak[0] / 2**20, 1),
        }


CHILD = """
import json, sys, time
from pathlib import Path
from postedit.grammar import GrammarSettings
from postedit.runner import Settings, cleanup
inbox, out, rules, workers = sys.argv[1:5]
started = time.perf_counter()
cleanup(Settings(Path(inbox), Path(rules), Path(out), "en", "ar", decisions=None,
                 grammar=GrammarSettings("off")), workers=int(workers))
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "peak": peak * 1024}))
"""


def in_child(inbox: Path, out: Path, n: int, megabytes: float, workers: int) -> dict:
    """The whole cleanup (no Prefect) in a fresh process: its time and its own peak memory
    (the benchmark's process holds the corpus it generated; the cleanup should not)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(inbox), str(out), str(ROOT / "rules"), str(workers)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = figures["seconds"]
    return {
        "seconds": round(seconds, 3),
        "articles_per_s": round(n / seconds, 1),
        "mb_per_s": round(megabytes / seconds, 2),
        "peak_rss_mb": round(figures["peak"] / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--no-prefect", action="store_true", help="skip the Prefect flow run")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="postedit-bench-"))
    try:
        inbox = tmp / "in"
        corpus = write_news_corpus(inbox, args.size, ROOT / "seeds")
        texts = [t for _, t in corpus]
        megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        n = len(texts)
        results: dict[str, dict] = {}

        with measured(results, "ftfy.fix_text alone", n, megabytes):
            for text in texts:
                ftfy.fix_text(text)

        rules = load_rules(ROOT / "rules")
        settings = Settings(
            inbox, ROOT / "rules", tmp / "stages", "en", "ar", decisions=None, grammar=OFF
        )
        with measured(results, "read", n, megabytes):
            articles = Run(settings, rules, Decisions(), force=True).read(list_inputs(inbox))
        timings: Counter[str] = Counter()
        with measured(results, "repair + correct", n, megabytes):
            cleaned, _ = clean_batch(articles, rules, None, timings)
        for name, keys in (
            ("  repair", ("structure", "ftfy", "arabic", "whitespace")),
            ("  correct", ("rules",)),
        ):
            seconds = sum(timings[k] for k in keys)
            results[name] = {
                "seconds": round(seconds, 3),
                "articles_per_s": round(n / seconds, 1) if seconds else None,
                "mb_per_s": round(megabytes / seconds, 2) if seconds else None,
                "peak_rss_mb": None,
            }
        with measured(results, "de-duplicate", n, megabytes):
            result, state = deduplicate(cleaned, rules)
        with measured(results, "write", n, megabytes):
            write_corpus(tmp / "stages", cleaned, {}, result.clusters, result.report, state)

        del articles, cleaned, result, state  # the runs below measure their own memory
        results["whole cleanup, no Prefect"] = in_child(inbox, tmp / "plain", n, megabytes, 1)
        cores = os.cpu_count() or 1
        if cores > 1:
            results[f"  same, {cores} processes"] = in_child(
                inbox, tmp / "pool", n, megabytes, cores
            )
        small = tmp / "small"
        quarter = max(100, n // 4)
        write_news_corpus(small, quarter, ROOT / "seeds")
        small_mb = sum(p.stat().st_size for p in small.iterdir()) / 1e6
        results[f"  same, {quarter} articles"] = in_child(
            small, tmp / "small-out", quarter, small_mb, 1
        )

        if not args.no_prefect:
            os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
            os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
            from flows.cleanup import cleanup as flow

            warm = tmp / "warm"
            warm.mkdir()
            shutil.copy(inbox / corpus[0][0], warm / corpus[0][0])
            flow(warm, ROOT / "rules", tmp / "warm-out", "en", "ar", decisions=None, grammar="off")
            with measured(results, "whole cleanup, Prefect flow", n, megabytes):
                flow(inbox, ROOT / "rules", tmp / "flow", "en", "ar", decisions=None, grammar="off")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    whole = results["whole cleanup, no Prefect"]["seconds"]
    ftfy_s = results["ftfy.fix_text alone"]["seconds"]
    summary = {
        "size": n,
        "megabytes": round(megabytes, 2),
        "cpus": os.cpu_count(),
        "ratio_to_ftfy": round(ftfy_s / whole, 3),
    }
    pooled = [r for k, r in results.items() if k.endswith("processes")]
    if pooled:
        summary["ratio_to_ftfy_all_cores"] = round(ftfy_s / pooled[0]["seconds"], 3)
    small = [r for k, r in results.items() if k.endswith(" articles")]
    if small:
        grown = results["whole cleanup, no Prefect"]["peak_rss_mb"] - small[0]["peak_rss_mb"]
        added = n - max(100, n // 4)
        summary["peak_mb_per_1000_more_articles"] = round(grown * 1000 / added, 1) if added else 0
    if "whole cleanup, Prefect flow" in results:
        with_prefect = results["whole cleanup, Prefect flow"]["seconds"]
        summary["prefect_overhead"] = round(with_prefect / whole - 1, 3)

    print(f"{n} articles, {megabytes:.1f} MB, {os.cpu_count()} CPUs")
    print(f"{'stage':<30} {'seconds':>9} {'articles/s':>11} {'MB/s':>7} {'peak RSS MB':>12}")
    for name, r in results.items():
        peak = "" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}"
        print(
            f"{name:<30} {r['seconds']:>9.2f} {r['articles_per_s'] or 0:>11.0f} "
            f"{r['mb_per_s'] or 0:>7.2f} {peak:>12}"
        )
    print(f"whole cleanup / ftfy alone: {summary['ratio_to_ftfy']:.2f} (goal: at least 0.5)")
    if "ratio_to_ftfy_all_cores" in summary:
        print(f"  with every core: {summary['ratio_to_ftfy_all_cores']:.2f}")
    if "peak_mb_per_1000_more_articles" in summary:
        print(
            "whole cleanup, peak memory: "
            f"{summary['peak_mb_per_1000_more_articles']:+.1f} MB per 1,000 more articles"
        )
    if "prefect_overhead" in summary:
        print(f"Prefect overhead: {summary['prefect_overhead']:+.1%} (goal: at most +20%)")
    print(json.dumps({"summary": summary, "stages": results}, indent=2))


if __name__ == "__main__":
    main()
