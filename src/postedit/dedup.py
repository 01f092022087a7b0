"""De-duplication of overlapping reports: reposts (duplicates) and reports of one story (related).

Each article is cut into passages (sentences of its cleaned paragraphs) reduced to their content
words. Candidate pairs come from MinHash-LSH over the passages (a pair of articles is a candidate
when one passage of each falls in the same bucket), never from all pairs; rapidfuzz then scores
every passage of one candidate against every passage of the other and decides:

- **duplicate**: most passages of the shorter article are near-copies of passages of the other;
- **related**: at least two passages are close paraphrases (the same quote, the same background).

Duplicates form groups with one canonical article; related articles and the groups form story
clusters. Thresholds live in `DedupConfig`; their defaults are measured by the tests on labelled
reposts and hard negatives built from the seeds.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from .model import Article
from .render import clean_paragraphs
from .rules import TOKEN_RE, Rules

SENTENCE = re.compile(r"[^.!?…]+(?:[.!?…]+[\"'”’»)\]]*|$)")


@dataclass(frozen=True)
class DedupConfig:
    """Thresholds (rapidfuzz scores are 0-100).

    passage_cutoff: two passages overlap from this score (`passage_scores`, content words only).
    duplicate_passage: a passage is a near-copy from this score.
    duplicate_coverage: share of the shorter article's passages that must be near-copies.
    related_passages: overlapping passages two reports of one story share at least.
    min_words: content words a passage needs to be compared at all.
    """

    passage_cutoff: float = 64.0
    duplicate_passage: float = 85.0
    duplicate_coverage: float = 0.6
    related_passages: int = 2
    min_words: int = 6
    stem: int = 5  # content words are compared by their first `stem` letters
    num_perm: int = 32
    bands: int = 16
    min_collisions: int = 2  # bucket collisions an article pair needs to be a candidate
    min_similarity: float = 0.4  # estimated word overlap of a colliding passage pair
    max_bucket: int = 50  # a bucket shared by more passages than this is boilerplate: skipped
    max_df: float = 0.01  # words in more than this share of passages are left out of candidates
    df_floor: int = 50  # ... but only words in more passages than this
    workers: int = 1


def dedup_config(overrides: dict[str, object] | None) -> DedupConfig:
    """A `DedupConfig` with ``overrides`` (field name -> value); a clear error for a bad one."""
    from dataclasses import fields, replace

    known = {f.name: f.type for f in fields(DedupConfig)}
    values: dict[str, object] = {}
    for key, value in (overrides or {}).items():
        if key not in known:
            raise ValueError(f"unknown de-duplication setting {key!r}; known: {sorted(known)}")
        cast = int if known[key] == "int" else float
        try:
            values[key] = cast(value)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"de-duplication setting {key!r} must be a number: {value!r}") from exc
    return replace(DedupConfig(), **values)


@dataclass(frozen=True)
class Passage:
    paragraph: int
    start: int
    end: int
    words: str  # content words, stemmed, space-separated


@dataclass(frozen=True)  # not slotted: `digest` is a cached property
class Item:
    """What de-duplication needs of an article (kept in the state between runs)."""

    id: str
    length: int
    flags: int
    date: str | None
    passages: tuple[Passage, ...]
    archived: bool = False

    @functools.cached_property
    def digest(self) -> str:
        """A hash of the passages: two items with one digest compare the same with anything."""
        text = "\n".join(p.words for p in self.passages)
        return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()

    def rank(self) -> tuple[int, int, str, str]:
        """Canonical choice: most complete text, fewest flags, earliest date, then id."""
        return (-self.length, self.flags, self.date or "9999", self.id)

    def to_state(self) -> dict[str, object]:
        return {
            "length": self.length,
            "flags": self.flags,
            "date": self.date,
            "passages": [[p.paragraph, p.start, p.end, p.words] for p in self.passages],
        }

    @classmethod
    def from_state(cls, article_id: str, data: dict) -> Item:
        passages = tuple(Passage(int(a), int(b), int(c), str(d)) for a, b, c, d in data["passages"])
        return cls(
            article_id, int(data["length"]), int(data["flags"]), data["date"], passages, True
        )


def content_words(text: str, stopwords: frozenset[str], stem: int) -> list[str]:
    return [
        w[:stem]
        for w in TOKEN_RE.findall(text.casefold())
        if w not in stopwords and not w.isdigit()
    ]


def passages_of(
    paragraphs: Sequence[str], stopwords: frozenset[str], config: DedupConfig
) -> tuple[Passage, ...]:
    out = []
    for index, paragraph in enumerate(paragraphs):
        for m in SENTENCE.finditer(paragraph):
            words = content_words(m.group(), stopwords, config.stem)
            if len(words) >= config.min_words:
                start = m.start() + len(m.group()) - len(m.group().lstrip())
                out.append(Passage(index, start, m.end(), " ".join(words)))
    return tuple(out)


def signatures(codes: np.ndarray, starts: np.ndarray, config: DedupConfig) -> np.ndarray:
    """MinHash signatures, one row per passage, with a fixed seed (the same on every run).

    ``codes`` are the 32-bit hashes of each passage's distinct words, one passage after the
    other; ``starts[k]`` is where passage k's words begin in it (every passage has a word).
    """
    rng = np.random.default_rng(20240620)
    # multiply-shift hashing: (a * x + b) mod 2**64, top 32 bits; a odd
    a = rng.integers(0, 1 << 63, size=config.num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(
        1
    )
    b = rng.integers(0, 1 << 63, size=config.num_perm, dtype=np.uint64)
    x = codes.astype(np.uint64)
    out = np.empty((len(starts), config.num_perm), dtype=np.uint32)  # 32-bit hash values
    with np.errstate(over="ignore"):
        for k in range(config.num_perm):
            out[:, k] = np.minimum.reduceat((x * a[k] + b[k]) >> np.uint64(32), starts)
    return out


def word_ids(items: Sequence[Item]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Each passage's distinct words as numbers: (ids one passage after the other, where each
    passage starts in them, the item each passage belongs to, the vocabulary). Numbers, not
    strings: a corpus has millions of words and a few tens of thousands of distinct ones."""
    vocab: dict[str, int] = {}
    flat, starts, owners = array("q"), array("q"), array("q")  # machine integers, not objects
    for i, item in enumerate(items):
        for p in item.passages:
            starts.append(len(flat))
            owners.append(i)
            flat.extend({vocab.setdefault(w, len(vocab)) for w in p.words.split()})
    return (
        np.frombuffer(flat, dtype=np.int64) if flat else np.zeros(0, dtype=np.int64),
        np.frombuffer(starts, dtype=np.int64) if starts else np.zeros(0, dtype=np.int64),
        np.frombuffer(owners, dtype=np.int64) if owners else np.zeros(0, dtype=np.int64),
        list(vocab),
    )


@functools.lru_cache(maxsize=128)
def _pairs_of(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j) of ``size`` bucket members, as two index arrays."""
    return np.triu_indices(size, 1)


CHUNK = 65_536  # passage pairs whose signatures are compared at once (memory: 256 bytes a pair)


def candidate_pairs(items: Sequence[Item], config: DedupConfig) -> set[tuple[int, int]]:
    """Pairs of item indices whose passages share a bucket in at least ``min_collisions`` (passage
    pair, band) events: one shared common word makes one collision by chance, a shared passage
    makes several."""
    flat, starts, owners, vocab = word_ids(items)
    if len(starts) < 2:
        return set()
    # words in a large share of all passages ("Iraq" in an Iraq corpus) make buckets huge and
    # say nothing about which passages match: they are left out of the signatures
    df = np.bincount(flat, minlength=len(vocab))
    limit = max(config.df_floor, config.max_df * len(starts))
    kept = df[flat] <= limit
    passage = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(flat))))
    enough = np.bincount(passage[kept], minlength=len(starts)) >= 2
    kept &= enough[passage]
    if int(enough.sum()) < 2:
        return set()
    owner = owners[enough]
    counts = np.bincount(passage[kept], minlength=len(starts))[enough]
    hashes = np.array([zlib.crc32(w.encode("utf-8")) for w in vocab], dtype=np.uint64)
    sig = signatures(hashes[flat[kept]], np.concatenate(([0], np.cumsum(counts)[:-1])), config)
    rows = config.num_perm // config.bands
    n = np.int64(len(owner))
    per_band = []  # codes (low * n + high) of passage pairs that share a bucket, per band
    for band in range(config.bands):
        block = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
        keys = block[:, 0].copy()
        for col in range(1, rows):
            keys = keys * np.uint64(1_000_003) + block[:, col]
        order = np.argsort(keys, kind="stable")
        edges = np.flatnonzero(np.diff(keys[order])) + 1
        starts = np.concatenate(([0], edges))
        sizes = np.diff(np.concatenate((starts, [len(order)])))
        firsts, seconds = [], []
        for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
            if 2 <= size <= config.max_bucket:
                members = order[start : start + size]
                i, j = _pairs_of(size)
                firsts.append(members[i])
                seconds.append(members[j])
        if firsts:
            first, second = np.concatenate(firsts), np.concatenate(seconds)
            low, high = np.minimum(first, second), np.maximum(first, second)
            other = owner[low] != owner[high]
            per_band.append(np.unique(low[other] * n + high[other]))  # once per band
    if not per_band:
        return set()
    # each passage pair once, with the number of bands it collided in
    codes, bands_hit = np.unique(np.concatenate(per_band), return_counts=True)
    del per_band
    first, second = codes // n, codes % n
    # a chance collision on one band says little; the share of the whole signature two passages
    # agree on estimates their word overlap (Jaccard): pairs below `min_similarity` are dropped
    close = np.empty(len(codes), dtype=bool)
    for at in range(0, len(codes), CHUNK):  # in chunks: two signature rows per pair
        part = slice(at, at + CHUNK)
        agree = (sig[first[part]] == sig[second[part]]).mean(axis=1)
        close[part] = agree >= config.min_similarity
    a, b = owner[first[close]], owner[second[close]]
    m = np.int64(len(items))
    pairs, inverse = np.unique(np.minimum(a, b) * m + np.maximum(a, b), return_inverse=True)
    collisions = np.bincount(inverse, weights=bands_hit[close], minlength=len(pairs))
    hits = {
        (int(code // m), int(code % m)): int(count)
        for code, count in zip(pairs.tolist(), collisions.tolist(), strict=True)
    }
    return {pair for pair, n in hits.items() if n >= config.min_collisions}


@dataclass(frozen=True)
class Overlap:
    a: int
    b: int
    score: float
    duplicate: bool
    pairs: tuple[tuple[int, int, float], ...]  # (passage of a, passage of b, score)


def passage_scores(a: Sequence[str], b: Sequence[str], config: DedupConfig) -> np.ndarray | None:
    """The mean of rapidfuzz's token-set and token-sort ratios for every pair of passages.

    Token-set alone scores a short passage whose words all recur in a long one as a match;
    token-sort alone misses paraphrases that add words. Their mean separates the two on the
    labelled data in the tests.
    """
    sets = process.cdist(
        a,
        b,
        scorer=fuzz.token_set_ratio,
        score_cutoff=config.passage_cutoff,
        workers=config.workers,
        dtype=np.float32,
    )
    rows, cols = np.nonzero(sets)  # the mean reaches the cutoff only where token-set does
    if not len(rows):
        return None
    scores = np.zeros_like(sets)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        scores[i, j] = (sets[i, j] + fuzz.token_sort_ratio(a[i], b[j])) / 2
    return scores


def compare(a: Item, b: Item, config: DedupConfig) -> Overlap | None:
    """Score every passage of ``a`` against every passage of ``b``; None if they do not overlap."""
    if not a.passages or not b.passages:
        return None
    matrix = passage_scores([p.words for p in a.passages], [p.words for p in b.passages], config)
    if matrix is None:
        return None
    pairs = []
    used: set[int] = set()
    for i in range(matrix.shape[0]):
        j = int(matrix[i].argmax())
        score = float(matrix[i, j])
        if score >= config.passage_cutoff and j not in used:
            used.add(j)
            pairs.append((i, j, score))
    if not pairs:
        return None
    shorter = min(len(a.passages), len(b.passages))
    near = [s for _, _, s in pairs if s >= config.duplicate_passage]
    coverage = len(near) / shorter
    duplicate = coverage >= config.duplicate_coverage
    if not duplicate and len(pairs) < config.related_passages:
        return None
    score = 100.0 * coverage if duplicate else max(s for _, _, s in pairs)
    return Overlap(0, 0, round(score, 1), duplicate, tuple(pairs))


def _memo_of(found: Overlap | None) -> object:
    if found is None:
        return 0
    return [found.score, found.duplicate, [list(p) for p in found.pairs]]


def _overlap_of(value: object) -> Overlap | None:
    if not value:
        return None
    score, duplicate, pairs = value  # type: ignore[misc]
    return Overlap(
        0, 0, float(score), bool(duplicate), tuple((int(i), int(j), float(s)) for i, j, s in pairs)
    )


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


@dataclass
class Result:
    """Cluster objects for the corpus records and the evidence for ``clusters.json``."""

    clusters: dict[str, dict[str, object]] = field(default_factory=dict)
    report: dict[str, dict[str, object]] = field(default_factory=dict)
    candidates: int = 0
    compared: int = 0  # candidate pairs scored by this run (the others were remembered)
    memo: dict[str, object] = field(default_factory=dict)


def cluster(
    items: Sequence[Item],
    config: DedupConfig = DedupConfig(),
    memo: dict[str, object] | None = None,
) -> Result:
    """Duplicate groups and story clusters over ``items`` (current and archived articles).

    ``memo`` holds the comparisons of an earlier run, keyed by the two items' digests: a pair of
    unchanged articles is not scored again. The result's ``memo`` holds this run's candidates.
    """
    items = sorted(items, key=lambda i: i.id)
    candidates = candidate_pairs(items, config)
    memo = memo or {}
    result = Result(candidates=len(candidates))
    overlaps: list[Overlap] = []
    for x, y in sorted(candidates):
        key = items[x].digest + items[y].digest
        if key in memo:
            found = _overlap_of(memo[key])
        else:
            found = compare(items[x], items[y], config)
            result.compared += 1
        result.memo[key] = _memo_of(found)
        if found:
            overlaps.append(Overlap(x, y, found.score, found.duplicate, found.pairs))
    dup, story = _Union(len(items)), _Union(len(items))
    for o in overlaps:
        story.join(o.a, o.b)
        if o.duplicate:
            dup.join(o.a, o.b)
    best: dict[tuple[int, int], float] = {}
    for o in overlaps:
        best[(o.a, o.b)] = best[(o.b, o.a)] = o.score

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        groups[dup.find(i)].append(i)
    group_canon = {root: min(m, key=lambda i: items[i].rank()) for root, m in groups.items()}
    stories: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        stories[story.find(i)].append(i)

    by_story: dict[int, list[Overlap]] = defaultdict(list)
    for o in overlaps:
        by_story[story.find(o.a)].append(o)
    for root, members in stories.items():
        canon = min(members, key=lambda i: items[i].rank())
        story_id = items[canon].id
        for i in members:
            g = group_canon[dup.find(i)]
            if i == canon:
                role, of, score = "canonical", None, None
            elif g != i:
                role, of, score = "duplicate", items[g].id, best.get((i, g))
            else:
                role, of, score = "related", items[canon].id, best.get((i, canon))
            result.clusters[items[i].id] = {"id": story_id, "role": role, "of": of, "score": score}
        if len(members) > 1:
            result.report[story_id] = _evidence(items, members, by_story[root], result.clusters)
    return result


def _evidence(
    items: Sequence[Item], members: list[int], overlaps: Iterable[Overlap], clusters: dict
) -> dict[str, object]:
    inside = set(members)
    passages = []
    for o in overlaps:
        if o.a in inside and o.b in inside:
            a, b = items[o.a], items[o.b]
            for i, j, score in o.pairs:
                pa, pb = a.passages[i], b.passages[j]
                passages.append(
                    {
                        "a": a.id,
                        "a_paragraph": pa.paragraph,
                        "a_span": [pa.start, pa.end],
                        "b": b.id,
                        "b_paragraph": pb.paragraph,
                        "b_span": [pb.start, pb.end],
                        "score": round(score, 1),
                    }
                )
    return {
        "members": [
            {
                "id": items[i].id,
                **{k: clusters[items[i].id][k] for k in ("role", "of", "score")},
                "archived": items[i].archived,
            }
            for i in sorted(members, key=lambda i: items[i].id)
        ],
        "passages": passages,
    }


def item_of(
    article: Article,
    stopwords: frozenset[str],
    config: DedupConfig,
    paragraphs: list[str] | None = None,  # the article's clean paragraphs, if already made
) -> Item:
    paragraphs = clean_paragraphs(article) if paragraphs is None else paragraphs
    return Item(
        id=article.id,
        length=sum(len(p) for p in paragraphs),
        flags=sum(1 for e in article.edits if e.action == "flag"),
        date=article.date,
        passages=passages_of(paragraphs, stopwords, config),
    )


def config_digest(config: DedupConfig) -> str:
    """Remembered comparisons hold only for the thresholds they were made with."""
    return hashlib.blake2b(repr(config).encode(), digest_size=8).hexdigest()


def state_of(
    items: Iterable[Item], memo: dict[str, object] | None = None, config: DedupConfig | None = None
) -> dict[str, object]:
    """What the next run needs to match new articles against these (``dedup-state.json``): the
    articles' passages and the comparisons already made."""
    state: dict[str, object] = {
        "version": 1,
        "articles": {i.id: i.to_state() for i in sorted(items, key=lambda i: i.id)},
    }
    if memo is not None and config is not None:
        state["comparisons"] = {
            "config": config_digest(config),
            "pairs": dict(sorted(memo.items())),
        }
    return state


def items_from_state(state: dict) -> dict[str, Item]:
    return {k: Item.from_state(k, v) for k, v in (state.get("articles") or {}).items()}


def memo_from_state(state: dict, config: DedupConfig) -> dict[str, object]:
    comparisons = state.get("comparisons") or {}
    if not isinstance(comparisons, dict) or comparisons.get("config") != config_digest(config):
        return {}
    pairs = comparisons.get("pairs")
    return pairs if isinstance(pairs, dict) else {}


def deduplicate(
    articles: Sequence[Article],
    rules: Rules,
    earlier: dict[str, Item] | None = None,
    config: DedupConfig = DedupConfig(),
    memo: dict[str, object] | None = None,
) -> tuple[Result, dict[str, object]]:
    """Cluster this run's articles together with the articles of earlier runs.

    Returns the result and the new state; an earlier article that is not in this run stays in
    the state (archived), so a repost arriving later still finds its canonical. ``memo``: the
    comparisons an earlier run made (`memo_from_state`).
    """
    current = {a.id: item_of(a, rules.stopwords_for(a.language), config) for a in articles}
    return deduplicate_items(current, earlier, config, memo)


def deduplicate_items(
    current: dict[str, Item],
    earlier: dict[str, Item] | None = None,
    config: DedupConfig = DedupConfig(),
    memo: dict[str, object] | None = None,
) -> tuple[Result, dict[str, object]]:
    """`deduplicate` from the articles' items (`item_of`): what a run keeps of each article."""
    merged = {**(earlier or {}), **current}
    result = cluster(list(merged.values()), config, memo)
    return result, state_of(merged.values(), result.memo, config)
