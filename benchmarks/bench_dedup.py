"""De-duplication at scale: synthetic articles with known duplicate groups.

    python benchmarks/bench_dedup.py [--size 100000] [--sample 5000]

Prints wall time, peak memory, precision and recall of the duplicate pairs against the known
groups, and the recall of the candidate step against exhaustive rapidfuzz on a sample.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import time
from collections import defaultdict

import numpy as np
from rapidfuzz import fuzz, process

from postedit.dedup import DedupConfig, candidate_pairs, cluster
from postedit.synthetic import dedup_corpus


def true_pairs(truth: dict[str, str]) -> set[tuple[str, str]]:
    groups = defaultdict(list)
    for article, story in truth.items():
        groups[story].append(article)
    return {p for members in groups.values() for p in itertools.combinations(sorted(members), 2)}


def found_pairs(clusters: dict[str, dict]) -> set[tuple[str, str]]:
    groups = defaultdict(list)
    for article, c in clusters.items():
        groups[c["of"] if c["role"] == "duplicate" else article].append(article)
    return {p for members in groups.values() for p in itertools.combinations(sorted(members), 2)}


def candidate_recall(items, config: DedupConfig, cutoff: float) -> tuple[float, int]:
    """Share of the pairs that exhaustive rapidfuzz (every pair, whole articles) scores at or
    above ``cutoff`` which the candidate step also proposes."""
    texts = [" ".join(p.words for p in i.passages) for i in items]
    scores = process.cdist(
        texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, workers=-1, dtype=np.uint8
    )
    exhaustive = {(int(a), int(b)) for a, b in zip(*np.nonzero(np.triu(scores, 1)), strict=True)}
    candidates = candidate_pairs(items, config)
    return len(exhaustive & candidates) / max(1, len(exhaustive)), len(exhaustive)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5000)
    args = parser.parse_args()
    config = DedupConfig(workers=1)

    started = time.perf_counter()
    items, truth = dedup_corpus(args.size)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    result = cluster(items, config)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    expected, found = true_pairs(truth), found_pairs(result.clusters)
    tp = len(expected & found)
    sample = sorted(items, key=lambda i: i.id)[: args.sample]
    recall_candidates, exhaustive = candidate_recall(sample, config, cutoff=80)
    figures = {
        "articles": len(items),
        "generate_s": round(generated, 1),
        "dedup_s": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "candidate_pairs": result.candidates,
        "duplicate_pairs_true": len(expected),
        "precision": round(tp / max(1, len(found)), 4),
        "recall": round(tp / max(1, len(expected)), 4),
        "sample": len(sample),
        "exhaustive_pairs_in_sample": exhaustive,
        "candidate_recall_vs_exhaustive": round(recall_candidates, 4),
    }
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
