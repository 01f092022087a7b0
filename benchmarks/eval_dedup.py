"""De-duplication on real text: Reuters-21578 and the MT reposts of ../shared/eval.

python benchmarks/eval_dedup.py [--data ../shared/eval] [--out output/eval] [--reuters N]

- Reuters (newswire, 1987): duplicate-pair precision and recall against the exact-duplicate
  groups the data ships; the largest duplicate group and story cluster; the merged pairs that are
  not exact duplicates, split into *templates* (texts that agree once digits are removed and
  differ in their figures: different reports) and the rest, and a seeded sample of 30 of them
  written out for reading by hand.
- MT reposts (11 events, 2-5 reports each, and fluent negatives): same-story pair precision and
  recall against the manifest's events, and the duplicate pairs.

Articles are cleaned the way a run cleans them (packs, no grammar checker: it does not change
what de-duplication sees), then de-duplicated in one run. A benchmark, not a test; `make eval`
runs it after eval.py.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from postedit.dedup import (
    DedupConfig,
    boilerplate,
    candidate_pairs,
    compare,
    deduplicate_items,
    item_of,
    without,
)
from postedit.model import Article
from postedit.pipeline import Engine, clean_article
from postedit.read import Found, ReadDefaults, ReadError, make_article, read_file
from postedit.render import clean_paragraphs
from postedit.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def reuters_articles(folder: Path, engine: Engine, limit: int) -> list[Article]:
    out = []
    with (folder / "articles.jsonl").open(encoding="utf-8") as lines:
        for line in itertools.islice(lines, limit or None):
            row = json.loads(line)
            if not (row.get("body") or "").strip():
                continue
            raw = f"{row.get('title') or 'Untitled'}\n\n{row['body']}"
            found = Found(str(row["newid"]), str(row["newid"]), "utf-8", (), ReadDefaults())
            fields = {"language": "en", "date": row.get("date")}
            out.append(clean_article(make_article(raw, found, fields), engine))
    return out


def groups_of(clusters: dict[str, dict]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Duplicate groups (canonical -> members) and story clusters (id -> members)."""
    groups: dict[str, list[str]] = defaultdict(list)
    stories: dict[str, list[str]] = defaultdict(list)
    for aid, c in clusters.items():
        stories[c["id"]].append(aid)
        groups[c["of"] if c["role"] == "duplicate" else aid].append(aid)
    return groups, stories


def pairs_in(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {
        (a, b) if a < b else (b, a)
        for members in groups.values()
        for a, b in itertools.combinations(members, 2)
    }


def run(articles: list[Article], rules, config: DedupConfig):
    started = time.perf_counter()
    items = {
        a.id: item_of(
            a, rules.stopwords_for(a.language), config, None, rules.number_words_for(a.language)
        )
        for a in articles
    }
    result, _ = deduplicate_items(items, None, config)
    return result, time.perf_counter() - started


def candidate_recall(articles: list[Article], rules, config: DedupConfig) -> dict:
    """Of the pairs that exhaustive comparison (every pair, boilerplate left out) finds to
    overlap, the share the candidate step proposes."""
    items = sorted(
        (
            item_of(
                a, rules.stopwords_for(a.language), config, None, rules.number_words_for(a.language)
            )
            for a in articles
        ),
        key=lambda i: i.id,
    )
    learned = boilerplate(items, config)
    items = [without(i, learned) for i in items]
    proposed = candidate_pairs(items, config)
    found = {
        (x, y)
        for x, y in itertools.combinations(range(len(items)), 2)
        if compare(items[x], items[y], config) is not None
    }
    return {
        "articles": len(items),
        "overlapping_pairs": len(found),
        "proposed": len(proposed),
        "recall": round(len(found & proposed) / len(found), 3) if found else None,
    }


def reuters(folder: Path, rules, engine: Engine, limit: int, out: Path) -> tuple[dict, list[str]]:
    articles = reuters_articles(folder, engine, limit)
    by_id = {a.id: a for a in articles}
    bodies = {a.id: "\n\n".join(clean_paragraphs(a)) for a in articles}
    result, seconds = run(articles, rules, DedupConfig())
    groups, stories = groups_of(result.clusters)
    merged = pairs_in(groups)
    gold_groups = json.loads((folder / "exact-duplicate-groups.json").read_text())
    present = [[str(i) for i in g if str(i) in by_id] for g in gold_groups]
    gold = pairs_in({g[0]: g for g in present if len(g) > 1})
    hit = merged & gold
    other = sorted(merged - gold)
    exact = [p for p in other if _fold(bodies[p[0]]) == _fold(bodies[p[1]])]
    templates = [
        p
        for p in other
        if p not in exact
        and _DIGITS.sub("#", _fold(bodies[p[0]])) == _DIGITS.sub("#", _fold(bodies[p[1]]))
    ]
    rest = [p for p in other if p not in exact and p not in templates]
    sample = random.Random(7).sample(rest, min(30, len(rest)))
    listing = []
    for a, b in sample:
        listing += [
            f"=== {a} ~ {b}",
            f"[{a}] {by_id[a].title} | {bodies[a][:400]!r}",
            f"[{b}] {by_id[b].title} | {bodies[b][:400]!r}",
        ]
    for a, b in templates:
        listing += [
            f"=== template {a} ~ {b}",
            f"[{a}] {by_id[a].title} | {bodies[a][:400]!r}",
            f"[{b}] {by_id[b].title} | {bodies[b][:400]!r}",
        ]
    (out / "dedup-reuters-sample.txt").write_text("\n".join(listing) + "\n", encoding="utf-8")
    every = [f"{a}\t{b}\t{by_id[a].title}\t{by_id[b].title}" for a, b in other]
    (out / "dedup-reuters-merged.tsv").write_text("\n".join(every) + "\n", encoding="utf-8")
    figures = {
        "articles": len(articles),
        "seconds": round(seconds, 1),
        "candidates": result.candidates,
        "merged_pairs": len(merged),
        "gold_pairs": len(gold),
        "precision_exact": round(len(hit) / len(merged), 3) if merged else None,
        "recall": round(len(hit) / len(gold), 3) if gold else None,
        "merged_not_listed": len(other),
        "identical_not_listed": len(exact),  # identical bodies under 200 characters
        "template_pairs": len(templates),
        "other_pairs": len(rest),
        "largest_group": max(map(len, groups.values()), default=0),
        "largest_story": max(map(len, stories.values()), default=0),
    }
    lines = [
        "",
        f"## De-duplication, Reuters-21578: {len(articles)} articles ({seconds:.1f} s)",
        f"merged duplicate pairs {len(merged)}, of the {len(gold)} exact-duplicate pairs found "
        f"{len(hit)}: precision {figures['precision_exact']} (exact pairs only), recall "
        f"{figures['recall']}",
        f"merged pairs not in the list: {len(other)}: identical bodies (short) {len(exact)}, "
        f"templates (differ only in figures) {len(templates)}, others {len(rest)} (a sample of "
        f"{len(sample)} in {out.name}/dedup-reuters-sample.txt, all in dedup-reuters-merged.tsv)",
        f"largest duplicate group {figures['largest_group']}, largest story "
        f"{figures['largest_story']}",
    ]
    figures["candidates"] = c = candidate_recall(articles[:400], rules, DedupConfig())
    lines.append(
        f"candidate step, first {c['articles']} articles against all their pairs: "
        f"{c['overlapping_pairs']} pairs overlap, recall {c['recall']} "
        f"({c['proposed']} proposed)"
    )
    return figures, lines


def reposts(folder: Path, rules, engine: Engine, out: Path) -> tuple[dict, list[str]]:
    with (folder / "manifest.tsv").open(encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle, delimiter="\t"))
    articles, event = [], {}
    for row in manifest:
        source = row["source_language_guess"] if row["is_machine_translated"] == "yes" else None
        defaults = ReadDefaults("en", source or None)
        for found in read_file(folder / "articles" / row["file"], folder / "articles", defaults):
            if not isinstance(found, ReadError):
                articles.append(clean_article(found, engine))
                event[found.id] = row["event"]
    result, _ = run(articles, rules, DedupConfig())
    groups, stories = groups_of(result.clusters)
    same = pairs_in(stories)
    by_event: dict[str, list[str]] = defaultdict(list)
    for aid, ev in event.items():
        by_event[ev].append(aid)
    gold = pairs_in(by_event)
    hit = same & gold
    wrong = sorted(same - gold)
    missed = sorted(gold - same)
    dups = sorted(pairs_in(groups))
    c = candidate_recall(articles, rules, DedupConfig())
    figures = {
        "candidates": c,
        "articles": len(articles),
        "story_pairs": len(same),
        "event_pairs": len(gold),
        "precision": round(len(hit) / len(same), 3) if same else None,
        "recall": round(len(hit) / len(gold), 3) if gold else None,
        "wrong_pairs": [list(p) for p in wrong],
        "duplicate_pairs": [[a, b, event[a] == event[b]] for a, b in dups],
    }
    lines = [
        "",
        f"## Story clusters, MT reposts: {len(articles)} articles, {len(by_event)} events",
        f"same-story pairs {len(same)}, same-event pairs {len(gold)}: precision "
        f"{figures['precision']}, recall {figures['recall']}",
        f"candidate step against all pairs: {c['overlapping_pairs']} pairs overlap, recall "
        f"{c['recall']} ({c['proposed']} proposed)",
        f"duplicate pairs {len(dups)}, of one event "
        f"{sum(1 for a, b in dups if event[a] == event[b])}",
        *(f"  wrong: {a} ~ {b}" for a, b in wrong),
        *(f"  missed: {a} ~ {b}" for a, b in missed),
    ]
    return figures, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--reuters", type=int, default=0, help="first N articles (0: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "output" / "eval")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"eval-dedup: no evaluation data at {args.data}: skipped")
        return 0
    rules = load_rules(args.rules)
    engine = Engine(rules)
    args.out.mkdir(parents=True, exist_ok=True)
    summary, lines = {}, []
    folder = args.data / "reuters-21578"
    if folder.is_dir():
        summary["reuters"], more = reuters(folder, rules, engine, args.reuters, args.out)
        lines += more
    folder = args.data / "mt-reposts"
    if folder.is_dir():
        summary["reposts"], more = reposts(folder, rules, engine, args.out)
        lines += more
    path = args.out / "dedup-summary.json"
    path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nsummary in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
