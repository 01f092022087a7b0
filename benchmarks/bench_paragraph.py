"""Cleaning time per character of one long paragraph: one article whose body is a single
paragraph of seed text (full of the MT errors the packs fix, URLs and quotations), at 10 kB,
100 kB and 1 MB. Every per-hit check must cost the same wherever the hit is, so the seconds per
MB stay flat as the paragraph grows.

    python benchmarks/bench_paragraph.py [--sizes 10000,100000,1000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from postedit.pipeline import Engine, clean_article
from postedit.read import Found, ReadDefaults, ReadError, make_article, read_folder
from postedit.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
EXTRA = ' See https://example.org/news?id=1 and the "truth between the facts" he said. '


def paragraph(size: int) -> str:
    """Seed paragraphs, with a URL and a quotation now and then, joined into one paragraph."""
    seeds = [a for a in read_folder(ROOT / "seeds", ReadDefaults("en", "ar"))]
    parts = [
        a.raw[s.start : s.end].replace("\n", " ")
        for a in seeds
        if not isinstance(a, ReadError)
        for s in a.paragraphs
    ]
    out, i = [], 0
    while sum(map(len, out)) < size:
        out.append(parts[i % len(parts)] + (EXTRA if i % 3 == 0 else " "))
        i += 1
    return "".join(out)[:size]


def seconds(size: int, engine: Engine) -> tuple[float, int, Counter[str]]:
    raw = "A long paragraph\n\n" + paragraph(size) + "\n"
    found = Found("long.txt", "long", "utf-8", (), ReadDefaults("en", "ar"))
    article = make_article(raw, found, {"language": "en", "source_language": "ar"})
    timings: Counter[str] = Counter()
    started = time.perf_counter()
    cleaned = clean_article(article, engine, timings)
    return time.perf_counter() - started, len(cleaned.edits), timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    engine = Engine(load_rules(ROOT / "rules"))  # no grammar checker: the packs and guards
    seconds(2000, engine)  # warm up
    rows = []
    for size in map(int, args.sizes.split(",")):
        took, edits, timings = seconds(size, engine)
        rows.append(
            {
                "bytes": size,
                "seconds": round(took, 3),
                "seconds_per_mb": round(took / size * 1e6, 2),
                "edits": edits,
                "stages": {k: round(v, 3) for k, v in timings.most_common(3)},
            }
        )
    print(f"{'paragraph':>10} {'seconds':>8} {'s per MB':>9} {'edits':>7}  slowest steps")
    for r in rows:
        steps = ", ".join(f"{k} {v}" for k, v in r["stages"].items())
        print(
            f"{r['bytes']:>10,} {r['seconds']:>8.3f} {r['seconds_per_mb']:>9.2f} {r['edits']:>7}"
            f"  {steps}"
        )
    spread = max(r["seconds_per_mb"] for r in rows) / min(r["seconds_per_mb"] for r in rows)
    print(f"largest / smallest seconds per MB: {spread:.2f} (flat is 1; the target is within 2)")
    if args.json:
        print(json.dumps({"rows": rows, "spread": round(spread, 2)}))


if __name__ == "__main__":
    main()
