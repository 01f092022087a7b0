"""The cleanup on a repost-heavy corpus built from real text, against read + ftfy + write.

    python benchmarks/bench_reposts.py [--sizes 2000,8000] [--data ../shared/eval] [--grammar off]

Real feeds carry each story many times: a blog reposts it cut after a few paragraphs, another
pads it with its own header and footer, a third changes a few words. This builds such a corpus
from real text (the seeds, the MT reposts, the WMT21 reference documents and Reuters stories of
``../shared/eval``; the parts that are absent are skipped), and measures, in one run and at each
size:

- the yardstick: a script that reads each file, runs ``ftfy.fix_text`` and writes the result
  (CPU seconds; run just before and just after postedit's first run, and the two averaged, as
  the machine's speed drifts);
- ``postedit run --no-prefect`` (grammar checker off unless ``--grammar``) in a fresh process:
  CPU seconds, its ratio to the yardstick as throughput (yardstick / postedit: 1.0 would be as
  fast; the target is 0.5 or more), and its peak memory (its process and the grammar checker's,
  summed as they run);
- output bytes per article;
- the second run on unchanged input, and a run with 100 articles added, as shares of the first
  (each measured three times, the 100 more each time on a copy of the output as it stood
  before them; the share takes the median, and the JSON gives all three).

Nothing the benchmark makes is deleted before its end: on ext4, files made in the minutes
after many files were deleted cost several times the system time (a first run at 2,000
articles took 4.5-5.6 s of it just after 33,000 files were deleted, 1.6-1.8 s otherwise).
The three sizes hold about 6 GB of disk until then (four copies of each size's output).

A benchmark, not a test: it prints figures (and JSON) and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import ftfy

ROOT = Path(__file__).resolve().parents[1]
HEADERS = [
    "Home » News » Middle East",
    "Posted by admin | Leave a comment",
    "Breaking | World | Politics",
    "Skip to content",
]
FOOTERS = [
    "Share this: Facebook, X, WhatsApp, Telegram",
    "Related posts will be shown here. Subscribe to our newsletter for the latest stories.",
    "Copyright reserved. Reproduction without permission is prohibited.",
    "Follow us on social media for more news from the region and the world.",
]
SAMPLE = 0.05  # seconds between readings of the run's memory
REPEATS = 3  # measurements of each re-run (their median is the share)
SWAPS = [("said", "stated"), ("forces", "troops"), ("announced", "declared"), ("attack", "strike")]


def stories(data: Path) -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of real articles: the seeds, then what of ``data`` is present."""
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        if len(lines) > 2:
            out.append((lines[0], lines[1:]))
    for path in sorted((data / "mt-reposts" / "articles").glob("*.txt")):
        parts = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        if len(parts) > 2:
            out.append((parts[0], parts[1:]))
    segments = data / "wmt21-mqm-zhen" / "segments.jsonl"
    if segments.exists():
        docs: dict[str, list[str]] = {}
        for line in segments.open(encoding="utf-8"):
            row = json.loads(line)
            if row["system"] == "ref.A":
                docs.setdefault(row["doc"], []).append(row["target"])
        out += [(seg[0], seg[1:]) for seg in docs.values() if len(seg) > 3]
    reuters = data / "reuters-21578" / "articles.jsonl"
    if reuters.exists():
        for line in reuters.open(encoding="utf-8"):
            row = json.loads(line)
            body = " ".join((row.get("body") or "").split())
            if len(body) > 1500 and row.get("title"):
                sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", body)
                paragraphs = [" ".join(sentences[k : k + 2]) for k in range(0, len(sentences), 2)]
                out.append((row["title"].title(), paragraphs))
    return out


def repost(title: str, paragraphs: list[str], rng: random.Random) -> str:
    """One repost: cut, padded, a few words changed, or as it was."""
    body = list(paragraphs)
    shape = rng.random()
    if shape < 0.3:  # cut after its first paragraphs
        body = body[: max(2, int(len(body) * rng.uniform(0.4, 0.8)))]
    elif shape < 0.6:  # padded with a site's header and footer
        body = [rng.choice(HEADERS), *body, rng.choice(FOOTERS)]
    if rng.random() < 0.5:  # a few words changed
        old, new = rng.choice(SWAPS)
        body = [p.replace(f" {old} ", f" {new} ", 1) for p in body]
    return title + "\n\n" + "\n\n".join(body) + "\n"


def corpus(folder: Path, size: int, sources: list[tuple[str, list[str]]], seed: int = 3) -> None:
    """``size`` files: each story as first written, then reposted (about four copies each)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    while n < size:
        title, paragraphs = sources[n % len(sources)] if n < len(sources) else rng.choice(sources)
        copies = [title + "\n\n" + "\n\n".join(paragraphs) + "\n"]
        copies += [repost(title, paragraphs, rng) for _ in range(rng.randint(1, 6))]
        for text in copies[: size - n]:
            (folder / f"a{n:06d}.txt").write_text(text, encoding="utf-8")
            n += 1


def yardstick(inbox: Path, out: Path) -> float:
    """CPU seconds to read each file, run ftfy.fix_text, write the result."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.process_time()
    for path in sorted(inbox.iterdir()):
        (out / path.name).write_text(ftfy.fix_text(path.read_text(encoding="utf-8")), "utf-8")
    return time.process_time() - started


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the run and the grammar checker's process)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in children.read().split():
                    found += _tree(int(child))
    except OSError:  # ended meanwhile
        pass
    return found


def _resident(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def postedit(inbox: Path, out: Path, grammar: str) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, peak RSS in MB) of ``postedit run --no-prefect``: its
    process and its children (the grammar checker runs in one of its own) summed, read every
    `SAMPLE` seconds, or the largest peak of any one process, whichever is more."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [
        str(Path(sys.executable).parent / "postedit"), "run", str(inbox), "--no-prefect", "-q",
        "--output", str(out), "--rules", str(ROOT / "rules"), "--grammar", grammar,
        "--language", "en", "--max-removal", "1",
    ]  # fmt: skip
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(run.stderr.read()), daemon=True)
    reader.start()
    summed = 0
    while run.poll() is None:
        summed = max(summed, sum(map(_resident, _tree(run.pid))))
        time.sleep(SAMPLE)
    reader.join()
    wall = time.perf_counter() - started
    if run.returncode:
        raise subprocess.CalledProcessError(run.returncode, command, stderr=b"".join(errors))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss: the peak of any one child so far (it only grows): a floor for the first run
    return cpu, wall, max(summed >> 20, after.ru_maxrss // 1024)


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,8000")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--grammar", default="off")
    args = parser.parse_args()
    sources = stories(args.data)
    print(f"{len(sources)} real articles to repost")
    rows = []
    # nothing is deleted until the end: on ext4, a file made within a minute or so of many
    # files being deleted takes several times as long (the allocator steps over the inodes
    # just freed), and the benchmark's own clean-up would be counted in the runs after it
    works: list[Path] = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            work = Path(tempfile.mkdtemp(prefix="bench-reposts-"))
            works.append(work)
            inbox, out = work / "in", work / "out"
            corpus(inbox, size, sources)
            # the machine's speed drifts over minutes: the script runs just before and just
            # after postedit's first run, and the ratio takes the mean of the two
            yard_before = yardstick(inbox, work / "ftfy")
            cpu, wall, rss = postedit(inbox, out, args.grammar)
            yard_after = yardstick(inbox, work / "ftfy-again")
            yard = (yard_before + yard_after) / 2
            written = size_of(out)
            # a re-run takes seconds, and the machine's speed moves by a third within as long:
            # each is measured three times (the 100 more each time from the output as the
            # unchanged runs left it), and the share takes the middle one
            agains = [postedit(inbox, out, args.grammar)[0] for _ in range(REPEATS)]
            corpus(work / "more", size + 100, sources)
            for path in sorted((work / "more").iterdir())[size:]:
                shutil.move(str(path), inbox / path.name)
            kept = work / "out-before-100"  # the output as the unchanged runs left it
            shutil.copytree(out, kept, symlinks=True)
            mores = []
            for k in range(REPEATS):
                target = out
                if k:  # the 100 more again, from a copy of the same output
                    target = work / f"out-{k}"
                    shutil.copytree(kept, target, symlinks=True)
                mores.append(postedit(inbox, target, args.grammar)[0])
            again, more = statistics.median(agains), statistics.median(mores)
            row = {
                "articles": size,
                "input_mb": round(size_of(inbox) / 1e6, 1),
                "yardstick_cpu_s": round(yard, 1),
                "yardstick_before_after_s": [round(yard_before, 1), round(yard_after, 1)],
                "postedit_cpu_s": round(cpu, 1),
                "postedit_wall_s": round(wall, 1),
                "throughput_ratio": round(yard / cpu, 3),
                "peak_rss_mb": rss,
                "output_bytes_per_article": written // size,
                "unchanged_rerun_share": round(again / cpu, 3),
                "plus_100_share": round(more / cpu, 3),
                "rerun_and_plus_100_cpu_s": [
                    [round(t, 2) for t in agains],
                    [round(t, 2) for t in mores],
                ],
            }
            rows.append(row)
            print(json.dumps(row))
    finally:
        for folder in works:
            shutil.rmtree(folder, ignore_errors=True)
    keys = list(rows[0])
    print("\n| " + " | ".join(keys) + " |\n|" + "---:|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
