"""postedit on real text nobody here wrote: the public data in ../shared/eval (see its README).

    python benchmarks/eval.py [--data ../shared/eval] [--reuters 1000] [--out output/eval]
                              [--only wmt,refs,mlqe,reposts,reuters]

Cleans each data set with the project's packs and the default grammar checker (Harper for
English), the way a run does, and prints per data set and per rule the fixes and flags per 1,000
segments, and:

- WMT21 zh-en human references (well-edited news): every fix, for reading (each is suspect);
- WMT21 zh-en MT output: the share of fixes and flags that land on or next to an error span an
  expert marked (MQM), per rule also how many distinct spans it touches, and the share of the
  marked spans that an edit touches or a fix fixes: all of them, `Fluency/*`, and the name
  errors (`Locale_convention/Name`, `Terminology/*`), with a headline line at the top;
- MLQE-PE (ro, ru, et into English): of the sentences a fix changes, how many move closer to the
  professional post-edit and how many farther (word edit distance, Moses tokens on both sides);
  the share of flags on or next to a word the post-editor changed, per rule, against the share
  a flag on a word of the same sentence drawn at random would have;
- real MT reposts of Middle-East news: rates for machine-translated and human articles, every
  fix on the human ones, fixes and flags per article by class, and every fix and flag of every
  article in context (OUT/reposts-edits.txt);
- Reuters-21578 (1987 newswire, human): rates and every fix, on the first N articles.

A JSON summary goes to OUT/summary.json and the listings to OUT/*.txt. ``--only`` runs some parts
(``wmt`` = the WMT21 MT output, ``refs`` = its human references, ``mlqe``, ``reposts``,
``reuters``); such a run writes its summary to OUT/summary-<parts>.json, so the full run's
summary.json stays for comparison. This is a benchmark, not a test: where the data is absent it
says so and stops with status 0.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import dataclasses
import difflib
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from postedit.grammar import GrammarSettings, grammar_for
from postedit.model import Article
from postedit.pipeline import Engine, clean_article, paragraph_texts
from postedit.read import Found, ReadDefaults, ReadError, make_article, read_file
from postedit.render import clean_text
from postedit.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
NEAR = 3  # characters between an edit and an error span that still count as "next to" it
PARTS = ("wmt", "refs", "mlqe", "reposts", "reuters")  # what --only may name, in run order
CHUNK = 25  # sentences per pseudo-article for sentence-level data (MLQE-PE)


@dataclass
class Segment:
    """One unit of a data set (a WMT segment, an MLQE sentence, an article's paragraph) with
    what postedit did to it: offsets local to ``text``."""

    key: str
    text: str
    fixes: list[tuple[str, int, int, str, str]] = field(default_factory=list)
    flags: list[tuple[str, int, int, str, str]] = field(default_factory=list)
    fixed: str = ""
    meta: dict = field(default_factory=dict)


def clean_group(
    key: str, texts: list[str], engine: Engine, language: str, source: str | None
) -> list[Segment]:
    """``texts`` as the paragraphs of one article, cleaned; each edit mapped back to its text."""
    kept = [t.strip() for t in texts]
    raw = "\n\n".join(t if t else "." for t in kept)
    starts, at = [], 0
    for t in kept:
        starts.append(at)
        at += len(t or ".") + 2
    found = Found(key, key, "utf-8", (), ReadDefaults(language, source))
    fields = {"title": key, "language": language, "source_language": source}
    article = clean_article(make_article(raw, found, fields), engine)
    return segments_of(article, key, kept, starts)


def segments_of(article: Article, key: str, kept: list[str], starts: list[int]) -> list[Segment]:
    out = [Segment(f"{key}#{i}", t) for i, t in enumerate(kept)]
    for e in article.edits:
        k = bisect.bisect_right(starts, e.start) - 1
        if k < 0 or e.end > starts[k] + len(kept[k]) or not kept[k]:
            continue  # an edit of the title or across paragraphs: not a segment's
        item = (e.rule, e.start - starts[k], e.end - starts[k], e.before, e.after)
        (out[k].fixes if e.action == "fix" else out[k].flags).append(item)
    fixed = paragraph_texts(article)
    spans = [(s.start, s.end) for s in article.paragraphs]
    for seg, start in zip(out, starts, strict=True):
        where = next((i for i, (a, b) in enumerate(spans) if a <= start < b + 1), None)
        seg.fixed = fixed[where] if where is not None else seg.text
    return out


def article_segments(article: Article) -> list[Segment]:
    """The paragraphs of a real article as segments (an article read from its file)."""
    out = []
    for i, span in enumerate(article.paragraphs):
        seg = Segment(f"{article.id}#{i}", article.raw[span.start : span.end])
        for e in article.edits:
            if span.start <= e.start and e.end <= span.end:
                item = (e.rule, e.start - span.start, e.end - span.start, e.before, e.after)
                (seg.fixes if e.action == "fix" else seg.flags).append(item)
        out.append(seg)
    fixed = paragraph_texts(article)
    for seg, text in zip(out, fixed, strict=True):
        seg.fixed = text
    title = [e for e in article.edits if article.title_span and e.end <= article.title_span.end]
    if title and article.title_span:  # the title is a segment too
        seg = Segment(f"{article.id}#title", article.title)
        for e in title:
            item = (e.rule, e.start, e.end, e.before, e.after)
            (seg.fixes if e.action == "fix" else seg.flags).append(item)
        out.append(seg)
    return out


# --- rates -------------------------------------------------------------------------------------


def rates(segments: list[Segment]) -> dict:
    n = max(1, len(segments))
    fixes = Counter(f[0] for s in segments for f in s.fixes)
    flags = Counter(f[0] for s in segments for f in s.flags)
    rules = sorted(set(fixes) | set(flags))
    return {
        "segments": len(segments),
        "fixes": sum(fixes.values()),
        "flags": sum(flags.values()),
        "fixes_per_1000": round(1000 * sum(fixes.values()) / n, 1),
        "flags_per_1000": round(1000 * sum(flags.values()) / n, 1),
        "by_rule": {
            r: {
                "fixes": fixes[r],
                "flags": flags[r],
                "fixes_per_1000": round(1000 * fixes[r] / n, 1),
                "flags_per_1000": round(1000 * flags[r] / n, 1),
            }
            for r in rules
        },
    }


def listing(segments: Iterable[Segment], which: str = "fixes", width: int = 50) -> list[str]:
    lines = []
    for s in segments:
        for rule, start, end, before, after in getattr(s, which):
            left = s.text[max(0, start - width) : start].replace("\n", " ")
            right = s.text[end : end + width].replace("\n", " ")
            lines.append(f"{s.key}\t{rule}\t…{left}[{before!r} → {after!r}]{right}…")
    return lines


# --- WMT21 MQM ---------------------------------------------------------------------------------


def wmt(folder: Path, engine: Engine, kinds: Iterable[str] = ("refs", "hyps")) -> dict:
    """The WMT21 outputs cleaned: ``refs`` (the human references), ``hyps`` (the MT systems)."""
    kinds = set(kinds)
    by_doc: dict[tuple[str, str], list[dict]] = defaultdict(list)
    with (folder / "segments.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if ("refs" if row["system"].startswith("ref.") else "hyps") in kinds:
                by_doc[(row["system"], row["doc"])].append(row)
    refs: list[Segment] = []
    hyps: list[Segment] = []
    for (system, doc), rows in sorted(by_doc.items()):
        rows.sort(key=lambda r: r["doc_seg"])
        segs = clean_group(f"{system}/{doc}", [r["target"] for r in rows], engine, "en", "zh")
        for seg, row in zip(segs, rows, strict=True):
            lead = len(row["target"]) - len(row["target"].lstrip())
            seg.meta["errors"] = [
                (e["category"], e["span"][0] - lead, e["span"][1] - lead)
                for e in row["errors"]
                if e.get("side") == "target" and e.get("span") and e["span"][1] > e["span"][0]
            ]
        (refs if system.startswith("ref.") else hyps).extend(segs)
    return {"refs": refs, "hyps": hyps}


def near(start: int, end: int, spans: list[tuple[str, int, int]], gap: int) -> bool:
    return any(lo - gap <= end and start <= hi + gap for _, lo, hi in spans)


def is_name_error(category: str) -> bool:
    return category == "Locale_convention/Name" or category.startswith("Terminology/")


def span_coverage(hyps: list[Segment], pick: Callable[[str], bool]) -> dict:
    """Of the marked error spans whose category ``pick`` takes: how many an edit touches (a fix
    or flag on or against the span) and how many a fix touches, overall and per category."""
    chosen = [(s, c, lo, hi) for s in hyps for c, lo, hi in s.meta["errors"] if pick(c)]
    touched = Counter()
    fixed = Counter()
    for s, category, lo, hi in chosen:
        span = [(category, lo, hi)]
        if any(near(e[1], e[2], span, 0) for e in s.fixes + s.flags):
            touched[category] += 1
        if any(near(e[1], e[2], span, 0) for e in s.fixes):
            fixed[category] += 1
    total = Counter(c for _, c, _, _ in chosen)
    return {
        "spans": len(chosen),
        "touched": sum(touched.values()),
        "fixed": sum(fixed.values()),
        "share_touched": round(sum(touched.values()) / max(1, len(chosen)), 3),
        "share_fixed": round(sum(fixed.values()) / max(1, len(chosen)), 3),
        "by_category": {
            c: {"spans": total[c], "touched": touched[c], "fixed": fixed[c]} for c in sorted(total)
        },
    }


def headline(mqm: dict) -> str:
    """One line: the share of the expert-marked spans touched and fixed, all, Fluency, names."""
    groups = (("all", "all_spans"), ("Fluency/*", "fluency_spans"), ("names", "name_spans"))

    def shares(what: str) -> str:
        return ", ".join(
            f"{label} {mqm[key][what] / max(1, mqm[key]['spans']):.1%} "
            f"({mqm[key][what]}/{mqm[key]['spans']})"
            for label, key in groups
        )

    return f"expert-marked errors touched: {shares('touched')}; fixed: {shares('fixed')}"


def mqm_figures(hyps: list[Segment]) -> dict:
    out: dict = {}
    for which in ("fixes", "flags"):
        edits = [(s, e) for s in hyps for e in getattr(s, which)]
        on = sum(near(e[1], e[2], s.meta["errors"], 0) for s, e in edits)
        close = sum(near(e[1], e[2], s.meta["errors"], NEAR) for s, e in edits)
        out[which] = {
            "count": len(edits),
            "on_error_span": on,
            "on_or_next_to_error_span": close,
            "share_on_or_next_to": round(close / len(edits), 3) if edits else None,
        }
    by_rule: dict[str, Counter] = defaultdict(Counter)
    # the distinct spans (segment, start, end: one span marked in two categories is one) each
    # rule touches as the coverage figures below count "touched" (gap 0), and within NEAR
    spans_touched: dict[str, set] = defaultdict(set)
    spans_near: dict[str, set] = defaultdict(set)
    for s in hyps:
        for e in s.fixes + s.flags:
            by_rule[e[0]]["edits"] += 1
            by_rule[e[0]]["near"] += near(e[1], e[2], s.meta["errors"], NEAR)
            for span in s.meta["errors"]:
                if near(e[1], e[2], [span], 0):
                    spans_touched[e[0]].add((s.key, span[1], span[2]))
                if near(e[1], e[2], [span], NEAR):
                    spans_near[e[0]].add((s.key, span[1], span[2]))
    out["by_rule"] = {
        r: {
            "edits": c["edits"],
            "near": c["near"],
            "share": round(c["near"] / c["edits"], 3),
            "spans_touched": len(spans_touched[r]),
            "spans_near": len(spans_near[r]),
        }
        for r, c in sorted(by_rule.items())
    }
    out["fluency_spans"] = span_coverage(hyps, lambda c: "Fluency" in c)
    out["all_spans"] = span_coverage(hyps, lambda c: True)
    out["name_spans"] = span_coverage(hyps, is_name_error)
    out["headline"] = headline(out)
    return out


def off_span_fixes(hyps: list[Segment]) -> list[Segment]:
    """The MT segments with a fix that lands on no expert-marked error, for reading."""
    out = []
    for s in hyps:
        far = [e for e in s.fixes if not near(e[1], e[2], s.meta["errors"], NEAR)]
        if far:
            out.append(Segment(s.key, s.text, fixes=far))
    return out


# --- MLQE-PE -----------------------------------------------------------------------------------


def words_distance(a: list[str], b: list[str]) -> int:
    """Levenshtein distance between two token lists."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def mlqe(folder: Path, engine: Engine) -> dict:
    from sacremoses import MosesTokenizer

    tokenizer = MosesTokenizer(lang="en")

    def tokens(text: str) -> list[str]:
        return tokenizer.tokenize(text, escape=False)

    result: dict = {"segments": [], "moves": Counter(), "examples": [], "tokeniser_agrees": 0}
    # flags against what the post-editor changed: near (within 3 characters of) a word they
    # replaced or deleted or a place where they inserted one, per rule; and the same for a flag
    # on a word of the same sentence drawn at random (the chance level, high where HTER is)
    result["flags_near"], result["flags_all"], result["chance"] = Counter(), Counter(), 0.0
    for path in sorted(folder.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.open(encoding="utf-8")]
        source = path.stem.split("-")[0]
        for at in range(0, len(rows), CHUNK):
            chunk = rows[at : at + CHUNK]
            segs = clean_group(f"{path.stem}/{at}", [r["mt"] for r in chunk], engine, "en", source)
            for seg, row in zip(segs, chunk, strict=True):
                result["segments"].append(seg)
                mt_tokens = tokens(row["mt"])
                result["tokeniser_agrees"] += mt_tokens == row["mt_tok"].split()
                if seg.flags:
                    places, edited = post_edited(seg.text, mt_tokens, row["pe_tok"].split())
                    hit = [near(lo, hi, edited, 3) for lo, hi in places]
                    for rule, lo, hi, _, _ in seg.flags:
                        result["flags_all"][rule] += 1
                        result["flags_near"][rule] += near(lo, hi, edited, 3)
                        result["chance"] += sum(hit) / max(1, len(hit))
                if not seg.fixes:
                    continue
                post = row["pe_tok"].split()
                before = words_distance(tokens(row["mt"]), post)
                after = words_distance(tokens(seg.fixed), post)
                move = "closer" if after < before else "farther" if after > before else "same"
                result["moves"][move] += 1
                rules = ",".join(sorted({f[0] for f in seg.fixes}))
                result["examples"].append(
                    f"{seg.key}\t{move}\t{before}->{after}\t{rules}\t{row['mt']}\t=> {seg.fixed}"
                )
    return result


def post_edited(
    mt: str, mt_tokens: list[str], pe_tokens: list[str]
) -> tuple[list[tuple[int, int]], list[tuple[str, int, int]]]:
    """(the character span of each MT token found in ``mt``, the spans of ``mt`` the
    post-editor changed): the MT tokens a word alignment (difflib over Moses tokens) does not
    keep, and the place of each insertion."""
    places: list[tuple[int, int] | None] = []
    at = 0
    for token in mt_tokens:
        found = mt.find(token, at)
        places.append((found, found + len(token)) if found >= 0 else None)
        at = found + len(token) if found >= 0 else at
    edited: list[tuple[str, int, int]] = []
    matcher = difflib.SequenceMatcher(None, mt_tokens, pe_tokens, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        got = [p for p in places[i1:i2] if p]
        if got:  # replaced or deleted
            edited.append((tag, got[0][0], got[-1][1]))
        elif tag == "insert":  # between tokens i1 - 1 and i1
            after = places[i1] if i1 < len(places) else None
            before = places[i1 - 1] if i1 > 0 else None
            if after or before:
                x = after[0] if after else before[1]  # type: ignore[index]
                edited.append((tag, x, x))
    return [p for p in places if p], edited


# --- real articles -----------------------------------------------------------------------------


def reposts(
    folder: Path, engine: Engine
) -> tuple[
    dict[str, list[Segment]], list[tuple[str, str, str]], list[tuple[dict, Article | ReadError]]
]:
    """The segments of each kind of article, every entity mention recorded: (file, the text as
    written, the entity's name), and each manifest row with its cleaned article (or the error)."""
    with (folder / "manifest.tsv").open(encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle, delimiter="\t"))
    out: dict[str, list[Segment]] = defaultdict(list)
    mentions: list[tuple[str, str, str]] = []
    articles: list[tuple[dict, Article | ReadError]] = []
    # no source language is declared: whether each article is machine-translated, and from
    # what, is left to the estimate (`postedit.translation`), which is what is measured here
    defaults = ReadDefaults("en", None)
    for row in manifest:
        for found in read_file(folder / "articles" / row["file"], folder / "articles", defaults):
            if isinstance(found, ReadError):
                articles.append((row, found))
                continue
            article = clean_article(found, engine)
            articles.append((row, article))
            out[row["is_machine_translated"]].extend(article_segments(article))
            body = clean_text(article)
            mentions += [(row["file"], body[m.start : m.end], m.name) for m in article.entities]
    return out, mentions, articles


def machine_translation(article: Article) -> object:
    """The article's machine-translation estimate, where the pipeline makes one (read
    defensively: a field ``machine_translation`` or ``translation``, or in ``meta``), JSON-safe;
    None where there is none."""
    meta = getattr(article, "meta", None) or {}
    value = next(
        (
            v
            for v in (
                getattr(article, "machine_translation", None),
                getattr(article, "translation", None),
                meta.get("machine_translation"),
                meta.get("translation"),
            )
            if v is not None
        ),
        None,
    )
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def title_rebuilt(row: dict) -> bool:
    """The manifest says the title is not page text (rebuilt from the URL, or taken from another
    report): not to be scored."""
    return "title not in stored page text" in row.get("notes", "")


def shown(text: str, most: int = 120) -> str:
    text = text.replace("\n", "¶")
    if len(text) > most:
        cut = len(text) - most * 3 // 4
        return f"{text[: most // 2]}…(+{cut})…{text[-most // 4 :]}"
    return text


def edits_listing(articles: list[tuple[dict, Article | ReadError]], width: int = 40) -> list[str]:
    """Every fix and flag of every article, article by article, in context."""
    lines: list[str] = []
    for row, article in articles:
        lines += [
            "",
            f"=== {row['file']} | {row['outlet']} | machine-translated: "
            f"{row['is_machine_translated']} ({row['source_language_guess'] or '?'})",
            f"    notes: {row['notes']}",
        ]
        if isinstance(article, ReadError):
            lines.append(f"    not read: {article}")
            continue
        estimate = machine_translation(article)
        if estimate is not None:
            lines.append(f"    machine-translation estimate: {json.dumps(estimate, default=str)}")
        edits = sorted(article.edits, key=lambda e: (e.start, e.end, e.rule))
        fixes = sum(e.action == "fix" for e in edits)
        lines.append(f"    {fixes} fixes, {len(edits) - fixes} flags")
        title_end = article.title_span.end if article.title_span else -1
        for e in edits:
            left = article.raw[max(0, e.start - width) : e.start]
            right = article.raw[e.end : e.end + width]
            where = ""
            if e.end <= title_end:
                where = " (title, not page text)" if title_rebuilt(row) else " (title)"
            action = f"{e.action}{' held' if e.held else ''}"
            lines.append(
                f"  {e.rule}\t{action}{where}\t…{shown(left)}[[{shown(e.before)}→"
                f"{shown(e.after)}]]{shown(right)}…\t{shown(e.message[:100], 100)}"
            )
    return lines


def per_article(articles: list[tuple[dict, Article | ReadError]]) -> dict:
    """Fixes and flags per article, per is_machine_translated class; the edits of a title the
    manifest says is not page text (rebuilt) are left out (counted apart)."""
    out: dict = {}
    rows: list[dict] = []
    for row, article in articles:
        if isinstance(article, ReadError):
            continue
        title_end = article.title_span.end if article.title_span else -1
        scored = [not (title_rebuilt(row) and e.end <= title_end) for e in article.edits]
        edits = [e for e, keep in zip(article.edits, scored, strict=True) if keep]
        rows.append(
            {
                "file": row["file"],
                "class": row["is_machine_translated"],
                "fixes": sum(e.action == "fix" for e in edits),
                "flags": sum(e.action == "flag" for e in edits),
                "title_edits_left_out": scored.count(False),
                "machine_translation": machine_translation(article),
            }
        )
    for kind in ("yes", "unsure", "no"):
        mine = [r for r in rows if r["class"] == kind]
        n = max(1, len(mine))
        fixes = sum(r["fixes"] for r in mine)
        flags = sum(r["flags"] for r in mine)
        out[kind] = {
            "articles": len(mine),
            "fixes": fixes,
            "flags": flags,
            "fixes_per_article": round(fixes / n, 2),
            "flags_per_article": round(flags / n, 2),
            "title_edits_left_out": sum(r["title_edits_left_out"] for r in mine),
            # judged machine-translated by the estimate (no source language declared)
            "judged_mt": sum(
                isinstance(r["machine_translation"], dict)
                and r["machine_translation"]["likelihood"] >= 0.5
                for r in mine
            ),
        }
    out["articles"] = rows
    return out


def mention_figures(mentions: list[tuple[str, str, str]]) -> dict:
    """How many mentions, of how many entities, and how many keep a spelling of their own."""
    kept = Counter((text, name) for _, text, name in mentions if text != name)
    return {
        "mentions": len(mentions),
        "entities": len({name for *_, name in mentions}),
        "articles": len({file for file, *_ in mentions}),
        "spellings_kept": sum(kept.values()),
        "spellings": [f"{text} = {name} ({n})" for (text, name), n in kept.most_common()],
    }


def reuters(folder: Path, engine: Engine, limit: int) -> list[Segment]:
    out: list[Segment] = []
    with (folder / "articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if not (row.get("body") or "").strip():
                continue
            raw = f"{row.get('title') or 'Untitled'}\n\n{row['body']}"
            found = Found(f"reuters-{row['newid']}", str(row["newid"]), "utf-8", (), ReadDefaults())
            fields = {"language": "en"}
            article = clean_article(make_article(raw, found, fields), engine)
            out.extend(article_segments(article))
            limit -= 1
            if limit <= 0:
                break
    return out


# --- report ------------------------------------------------------------------------------------


def table(name: str, figures: dict) -> Iterator[str]:
    yield (
        f"\n## {name}: {figures['segments']:,} segments, {figures['fixes']} fixes "
        f"({figures['fixes_per_1000']}/1000), {figures['flags']} flags "
        f"({figures['flags_per_1000']}/1000)"
    )
    rows = sorted(figures["by_rule"].items(), key=lambda kv: -(kv[1]["fixes"] + kv[1]["flags"]))
    if rows:
        yield f"{'rule':<46} {'fixes':>6} {'/1000':>7} {'flags':>6} {'/1000':>7}"
    for rule, r in rows:
        yield (
            f"{rule:<46} {r['fixes']:>6} {r['fixes_per_1000']:>7} {r['flags']:>6} "
            f"{r['flags_per_1000']:>7}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--reuters", type=int, default=1000, help="articles (0: none)")
    parser.add_argument("--grammar", default="auto", help="grammar checker (default auto)")
    parser.add_argument("--out", type=Path, default=ROOT / "output" / "eval")
    parser.add_argument(
        "--only",
        "--sets",
        default=",".join(PARTS),
        help="the parts to run, a comma list of wmt (WMT21 MT output), refs (its human "
        "references), mlqe, reposts, reuters (default: all; wmt21 = wmt,refs)",
    )
    args = parser.parse_args()
    parts = set()
    for name in filter(None, (n.strip() for n in args.only.split(","))):
        if name not in (*PARTS, "wmt21"):
            parser.error(f"--only: {name!r} is none of {', '.join(PARTS)}")
        parts |= {"wmt", "refs"} if name == "wmt21" else {name}
    everything = parts >= set(PARTS)
    if not args.data.is_dir():
        print(f"eval: no evaluation data at {args.data}: skipped")
        return 0
    engine = Engine(load_rules(args.rules), None, grammar_for(GrammarSettings(args.grammar)))
    args.out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"data": str(args.data), "grammar": args.grammar}
    if not everything:
        summary["only"] = [p for p in PARTS if p in parts]
    lines: list[str] = []
    top: list[str] = []  # headline lines, printed before the rest
    started = time.perf_counter()

    def not_run(folder: Path, names: str) -> None:
        if not folder.is_dir():
            lines.append(f"\n(no {folder.name}: skipped)")
        else:
            lines.append(f"\n({folder.name}: {names} not run, --only)")

    folder = args.data / "wmt21-mqm-zhen"
    if folder.is_dir() and parts & {"wmt", "refs"}:
        found = wmt(folder, engine, ["refs"] * ("refs" in parts) + ["hyps"] * ("wmt" in parts))
        refs, hyps = found["refs"], found["hyps"]
    if folder.is_dir() and "refs" in parts:
        summary["wmt21_refs"] = rates(refs)
        lines += table("WMT21 zh-en human references (ref.A, ref.B)", summary["wmt21_refs"])
        ref_fixes = listing(refs)
        lines += ["", f"Every fix on the human references ({len(ref_fixes)}):", *ref_fixes]
        (args.out / "wmt21-ref-fixes.txt").write_text("\n".join(ref_fixes) + "\n")
        (args.out / "wmt21-ref-flags.txt").write_text("\n".join(listing(refs, "flags")) + "\n")
    else:
        not_run(folder, "the human references (refs)")
    if folder.is_dir() and "wmt" in parts:
        summary["wmt21_mt"] = {**rates(hyps), "mqm": mqm_figures(hyps)}
        lines += table("WMT21 zh-en MT output (13 systems)", summary["wmt21_mt"])
        mqm = summary["wmt21_mt"]["mqm"]
        top.append(f"WMT21 zh-en MT output: {mqm['headline']}")
        lines += ["", mqm["headline"]]
        for which in ("fixes", "flags"):
            m = mqm[which]
            lines.append(
                f"{which}: {m['count']}, on an expert-marked error span {m['on_error_span']}, "
                f"on or within {NEAR} characters of one {m['on_or_next_to_error_span']} "
                f"(share {m['share_on_or_next_to']})"
            )
        f = mqm["fluency_spans"]
        lines.append(
            f"Fluency/* error spans: {f['spans']}, touched by an edit {f['touched']} "
            f"({f['share_touched']:.1%}), fixed {f['fixed']} ({f['share_fixed']:.1%})"
        )
        for c, v in f["by_category"].items():
            lines.append(
                f"  {c:<40} {v['spans']:>5} spans, {v['touched']:>4} touched, {v['fixed']:>4} fixed"
            )
        for key, label in (("all_spans", "All"), ("name_spans", "Name (Locale/Name, Terminology)")):
            f = mqm[key]
            lines.append(
                f"{label} error spans: {f['spans']}, touched by an edit {f['touched']} "
                f"({f['share_touched']:.1%}), fixed {f['fixed']} ({f['share_fixed']:.1%})"
            )
            for c, v in f["by_category"].items():
                lines.append(
                    f"  {c:<40} {v['spans']:>5} spans, {v['touched']:>4} touched, "
                    f"{v['fixed']:>4} fixed"
                )
        lines.append(
            "Per rule, the share of its MT edits on or next to a marked error, and the distinct "
            f"spans it touches (and within {NEAR} characters):"
        )
        for rule, r in sorted(mqm["by_rule"].items(), key=lambda kv: -kv[1]["edits"]):
            lines.append(
                f"  {rule:<46} {r['edits']:>5} edits, {r['share']:.0%} near an error, "
                f"{r['spans_touched']:>4} spans touched ({r['spans_near']} near)"
            )
        far = listing(off_span_fixes(hyps))
        (args.out / "wmt21-mt-fixes-off-span.txt").write_text("\n".join(far) + "\n")
        lines.append(
            f"MT fixes on no marked error: {len(far)} (listed in {args.out.name}/"
            "wmt21-mt-fixes-off-span.txt)"
        )
    else:
        not_run(folder, "the MT output (wmt)")

    folder = args.data / "mlqe-pe"
    if folder.is_dir() and "mlqe" in parts:
        found = mlqe(folder, engine)
        moves = found["moves"]
        changed = moves["closer"] + moves["farther"]
        summary["mlqe_pe"] = {
            **rates(found["segments"]),
            "fixed_sentences": sum(moves.values()),
            "closer": moves["closer"],
            "farther": moves["farther"],
            "same": moves["same"],
            "farther_share_of_changed": round(moves["farther"] / changed, 3) if changed else None,
            "tokeniser_agrees_with_mt_tok": round(
                found["tokeniser_agrees"] / max(1, len(found["segments"])), 3
            ),
            "flags_near_post_edit": sum(found["flags_near"].values()),
            "flags_near_post_edit_by_chance": round(found["chance"]),
            "flags_near_post_edit_by_rule": {
                rule: [found["flags_near"][rule], n] for rule, n in found["flags_all"].items()
            },
        }
        lines += table("MLQE-PE ro/ru/et-en MT", summary["mlqe_pe"])
        m = summary["mlqe_pe"]
        lines.append(
            f"\nsentences with a fix: {m['fixed_sentences']}: closer to the post-edit "
            f"{m['closer']}, farther {m['farther']}, same distance {m['same']} (Moses tokens "
            f"match mt_tok on {m['tokeniser_agrees_with_mt_tok']:.1%} of sentences)"
        )
        n_flags, near_pe = m["flags"], m["flags_near_post_edit"]
        lines.append(
            f"flags near a word the post-editor changed (within 3 characters): {near_pe} of "
            f"{n_flags} ({near_pe / max(1, n_flags):.0%}); a flag on a word of the same sentence "
            f"at random would be: {m['flags_near_post_edit_by_chance'] / max(1, n_flags):.0%}"
        )
        by_rule = sorted(m["flags_near_post_edit_by_rule"].items(), key=lambda kv: -kv[1][1])
        lines += [f"  {rule:<46} {k:>4} of {n:>4} ({k / n:.0%})" for rule, (k, n) in by_rule[:12]]
        (args.out / "mlqe-fixes.txt").write_text("\n".join(found["examples"]) + "\n")
    else:
        not_run(folder, "mlqe")

    folder = args.data / "mt-reposts"
    if folder.is_dir() and "reposts" in parts:
        found, mentions, articles = reposts(folder, engine)
        summary["reposts_entities"] = m = mention_figures(mentions)
        lines += [
            "",
            f"Entity mentions recorded on the reposts: {m['mentions']} of {m['entities']} "
            f"entities in {m['articles']} articles; {m['spellings_kept']} keep a spelling of "
            "their own (kept in the text, recorded as the entity):",
            *(f"  {line}" for line in m["spellings"]),
        ]
        for kind in ("yes", "unsure", "no"):
            summary[f"reposts_mt_{kind}"] = rates(found[kind])
            lines += table(f"MT reposts, machine-translated: {kind}", summary[f"reposts_mt_{kind}"])
        human = listing(found["no"])
        lines += ["", f"Every fix on the human-written reposts ({len(human)}):", *human]
        (args.out / "reposts-fixes.txt").write_text(
            "\n".join(listing(found["yes"] + found["unsure"] + found["no"])) + "\n"
        )
        (args.out / "reposts-flags.txt").write_text(
            "\n".join(listing(found["yes"] + found["unsure"] + found["no"], "flags")) + "\n"
        )
        summary["reposts_per_article"] = p = per_article(articles)
        lines += ["", "MT reposts, fixes and flags per article (rebuilt titles left out):"]
        for kind in ("yes", "unsure", "no"):
            k = p[kind]
            line = (
                f"machine-translated {kind}: {k['articles']} articles, "
                f"{k['fixes_per_article']} fixes and {k['flags_per_article']} flags per article "
                f"({k['fixes']} fixes, {k['flags']} flags); judged machine-translated "
                f"{k['judged_mt']} of {k['articles']}"
            )
            lines.append(f"  {line}")
            top.append(f"MT reposts, {line}")
        edits = edits_listing(articles)
        (args.out / "reposts-edits.txt").write_text("\n".join(edits).lstrip("\n") + "\n")
        lines.append(f"Every fix and flag per article in {args.out.name}/reposts-edits.txt")
    else:
        not_run(folder, "reposts")

    folder = args.data / "reuters-21578"
    if folder.is_dir() and args.reuters > 0 and "reuters" in parts:
        segs = reuters(folder, engine, args.reuters)
        summary["reuters"] = {**rates(segs), "articles": args.reuters}
        lines += table(f"Reuters-21578, first {args.reuters} articles (human)", summary["reuters"])
        fixes = listing(segs)
        lines += ["", f"Every fix on Reuters ({len(fixes)}; in {args.out.name}/reuters-fixes.txt)"]
        (args.out / "reuters-fixes.txt").write_text("\n".join(fixes) + "\n")
    summary["seconds"] = round(time.perf_counter() - started, 1)
    name = "summary.json" if everything else f"summary-{'+'.join(summary['only'])}.json"
    (args.out / name).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print("\n".join([*top, *lines]))
    print(f"\n{summary['seconds']} s; summary in {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
