"""How the rule cost grows with the gazetteer: the seeds cleaned with the real packs, and with
the real packs plus synthetic gazetteers of 50 and 5,000 entities.

    python benchmarks/bench_gazetteer.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from postedit.pipeline import Engine, clean_articles
from postedit.read import ReadDefaults, ReadError, read_folder
from postedit.rules import load_rules
from postedit.synthetic import gazetteer_yaml

ROOT = Path(__file__).resolve().parents[1]


def rules_with(extra: int, work: Path) -> Path:
    folder = work / f"rules-{extra}"
    shutil.copytree(ROOT / "rules", folder)
    if extra:
        (folder / "en" / "synthetic.yaml").write_text(gazetteer_yaml(extra), encoding="utf-8")
    return folder


def clean_seconds(rules_dir: Path, repeat: int) -> tuple[float, float, int]:
    started = time.perf_counter()
    rules = load_rules(rules_dir)
    load = time.perf_counter() - started
    defaults = ReadDefaults("en", "ar")
    articles = [a for a in read_folder(ROOT / "seeds", defaults) if not isinstance(a, ReadError)]
    best = float("inf")
    for _ in range(3):
        engine = Engine(rules)
        started = time.perf_counter()
        for _ in range(repeat):
            list(clean_articles(articles, engine))
        best = min(best, time.perf_counter() - started)
    return best, load, len(rules.rules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = {n: clean_seconds(rules_with(n, Path(tmp)), args.repeat) for n in (0, 50, 5000)}
    base = rows[0][0]
    print(f"{'gazetteer':>12} {'rules':>6} {'load s':>8} {'clean s':>8} {'ratio':>6}")
    for n, (seconds, load, count) in rows.items():
        print(
            f"{'real+' + str(n):>12} {count:>6} {load:>8.3f} {seconds:>8.3f} {seconds / base:>6.2f}"
        )
    print(
        json.dumps(
            {str(n): {"clean_s": s, "load_s": ld, "rules": c} for n, (s, ld, c) in rows.items()}
        )
    )


if __name__ == "__main__":
    main()
