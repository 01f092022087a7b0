"""Incremental runs: a first run, a second run on unchanged inputs, and a run after one edit.

    python benchmarks/bench_incremental.py [--size 1000] [--prefect]

Generates ``--size`` seed-like articles (`postedit.synthetic.news_corpus`) in a temporary folder
and prints, for each run, its wall time, what it cleaned and skipped, the output files it
rewrote, and the time of each stage; then the same figures as JSON. ``--prefect`` runs the
Prefect flow (on the local ephemeral server) instead of the plain library calls. The grammar
checker is off: the made-up words of the synthetic text would only time its spelling suggestions.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from postedit.grammar import GrammarSettings
from postedit.runner import Settings, cleanup
from postedit.synthetic import write_news_corpus

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--prefect", action="store_true", help="run the Prefect flow")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="postedit-bench-") as tmp:
        inbox, out = Path(tmp) / "in", Path(tmp) / "out"
        corpus = write_news_corpus(inbox, args.size, ROOT / "seeds")
        megabytes = sum(len(t.encode("utf-8")) for _, t in corpus) / 1e6

        if args.prefect:
            from flows.cleanup import cleanup as flow

            def run() -> dict:
                return flow(inbox, ROOT / "rules", out, "en", "ar", decisions=None, grammar="off")
        else:
            off = GrammarSettings("off")
            settings = Settings(inbox, ROOT / "rules", out, "en", "ar", decisions=None, grammar=off)

            def run() -> dict:
                return cleanup(settings)

        rows = []
        for label in ("first run", "second run (unchanged)", "after editing one article"):
            if label.startswith("after"):
                path = inbox / corpus[0][0]
                path.write_text(path.read_text() + "\nOne more paragraph.\n", encoding="utf-8")
            started = time.perf_counter()
            report = run()
            rows.append(
                {
                    "run": label,
                    "seconds": round(time.perf_counter() - started, 2),
                    "processed": report["processed"],
                    "skipped": report["skipped"],
                    "files_written": report["outputs"]["written"],
                    "stages": report["timings"],
                }
            )

    print(
        f"{args.size} articles, {megabytes:.1f} MB, {'Prefect flow' if args.prefect else 'library'}"
    )
    print(f"{'run':<28} {'seconds':>8} {'cleaned':>8} {'skipped':>8} {'files written':>14}")
    for r in rows:
        print(
            f"{r['run']:<28} {r['seconds']:>8.2f} {r['processed']:>8} {r['skipped']:>8} "
            f"{r['files_written']:>14}"
        )
    print(json.dumps({"size": args.size, "prefect": args.prefect, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
