"""De-duplication of overlapping reports: reposts (duplicates) and reports of one story (related).

Each article is cut into passages (sentences of its cleaned paragraphs) reduced to their content
words, with the numbers each holds. Candidate pairs come from MinHash-LSH over the passages (a
pair of articles is a candidate when passages of each fall in the same buckets), never from all
pairs; rapidfuzz then scores every passage of one candidate against every passage of the other.

- **Boilerplate is learned from the corpus first**: a passage that recurs word for word in three
  or more articles that share nothing else (a site footer, a stock background paragraph, a wire's
  recap sentence) is left out of every comparison (`boilerplate`).
- **Numbers must agree**: two passages whose words match but whose figures differ (a dividend
  notice, a weekly rate, an attack on another day) are not a match at all.
- **duplicate** (the same report, reposted): near-copies cover most of the shorter article
  (``duplicate_coverage``) and either most of the longer one too, or its top (a repost cut after
  its first paragraphs). An article that shares one section of a longer roundup covers neither:
  it is related. Articles with few passages must also share their titles' words; articles whose
  text is identical (white space and case aside) are duplicates whatever their length.
- **related** (another report of one story): at least two matching passages, and dates (where
  both have one) within ``story_days``.

Groups and stories are stars, never chains: the best-ranked article (`Item.rank`: the most
complete, then the earliest) is a group's canonical, and only articles linked to it directly
join it; a story is the canonical's group and the groups linked directly to it.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import re
import sys
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from .jsonio import Lines, compact, entry_lines, parse
from .memo import content_key
from .model import Article
from .render import clean_paragraphs, clean_title
from .rules import TOKEN_RE, Rules

# a sentence ends at . ! ? … (and closing marks) before white space or the end: not inside a
# figure ("7.1 cts") or an abbreviation ("U.S.")
SENTENCE = re.compile(r"(?:[^.!?…]|[.!?…]+(?![\"'”’»)\]]*(?:\s|$)))+(?:[.!?…]+[\"'”’»)\]]*|$)")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
EXACT_MIN = 200  # characters of text below which identical texts must share their title too


@dataclass(frozen=True)
class DedupConfig:
    """Thresholds (rapidfuzz scores are 0-100).

    passage_cutoff: two passages overlap from this score (`passage_scores`, content words only).
    duplicate_passage: a passage is a near-copy from this score.
    duplicate_coverage: share of the shorter article's passages that must be near-copies.
    related_passages: overlapping passages two reports of one story share at least.
    min_words: content words a passage needs to be compared at all.
    The others are described where they are declared.
    """

    passage_cutoff: float = 64.0
    duplicate_passage: float = 85.0
    duplicate_coverage: float = 0.8
    longer_coverage: float = 0.5  # ... of the longer article, unless the shorter is its top
    top_passages: int = 2  # a cut repost's first passage is within the longer's first ones
    few_passages: int = 3  # below this many passages, a duplicate's title must agree too
    title_agreement: float = 0.85  # share of title words two such duplicates have in common
    related_passages: int = 2
    story_days: int = 3  # reports of one story are dated at most this many days apart
    topic_words: int = 12  # an article's most distinctive words (TF-IDF) that find its story
    topic_shared: int = 3  # ... of which two reports of one story share at least this many
    topic_cosine: float = 0.4  # ... and the TF-IDF cosine of their words reaches this
    boilerplate_articles: int = 3  # a passage in this many different reports is boilerplate
    min_words: int = 6
    stem: int = 5  # content words are compared by their first `stem` letters
    num_perm: int = 32
    bands: int = 16
    min_collisions: int = 2  # bucket collisions an article pair needs to be a candidate
    min_similarity: float = 0.3  # estimated word overlap of a colliding passage pair
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


@dataclass(frozen=True, slots=True)
class Passage:
    paragraph: int
    start: int
    end: int
    words: str  # content words, stemmed, space-separated
    numbers: str = ""  # the figures it holds, in order, space-separated ("" if none)


class Passages(Sequence[Passage]):
    """An article's passages, held compactly: their words as a tuple of strings (interned
    where they are made: reposts share them), their figures only if some passage has any,
    and their places as 32-bit numbers. A `Passage` is made when one is asked for: a corpus
    of a million articles holds eight million passages, and an object for each, with its
    numbers, took about 100 bytes more than these."""

    __slots__ = ("_spans", "numbers", "words")

    def __init__(self, passages: Iterable[Passage] = ()) -> None:
        made = tuple(passages)
        self.words: tuple[str, ...] = tuple(p.words for p in made)
        numbers = tuple(p.numbers for p in made)
        self.numbers: tuple[str, ...] | None = numbers if any(numbers) else None
        self._spans = array("i", [v for p in made for v in (p.paragraph, p.start, p.end)]).tobytes()

    @classmethod
    def of_rows(cls, rows: Sequence[Sequence[Any]]) -> Passages:
        """The passages of a version 2 state's rows, ``[paragraph, start, end, words, figures]``
        (the figures may be missing), made without a `Passage` for each."""
        spans = itertools.chain.from_iterable(r[:3] for r in rows)
        return cls.of_columns(
            list(spans), [r[3] for r in rows], [r[4] if len(r) > 4 else "" for r in rows]
        )

    @classmethod
    def of_columns(
        cls, spans: Sequence[int], words: Sequence[str], figures: Sequence[str] | None
    ) -> Passages:
        """The passages of the state's columns (`columns`): three numbers a passage, then each
        passage's words and, if any passage has some, its figures."""
        if len(spans) != 3 * len(words) or (figures and len(figures) != len(words)):
            raise ValueError("the passages' columns differ in length")
        made = cls.__new__(cls)
        try:  # a state's columns: strings and integers, taken as they are
            made.words = tuple(map(sys.intern, words))
            numbers = tuple(map(sys.intern, figures or ()))
            made._spans = array("i", spans).tobytes()
        except TypeError:  # other values (numbers as text...): made strings and integers
            texts = [str(f) for f in figures or ()]
            return cls.of_columns([int(v) for v in spans], [str(w) for w in words], texts)
        made.numbers = numbers if any(numbers) else None
        return made

    def columns(self) -> dict[str, list[Any]]:
        """The passages as the state keeps them: ``spans`` (paragraph, start and end of each,
        one flat list), ``words`` and, if any passage has some, ``figures``. Flat lists of
        numbers and strings, which JSON reads several times faster than a list per passage."""
        out: dict[str, list[Any]] = {"spans": self.places().tolist(), "words": list(self.words)}
        if self.numbers is not None:
            out["figures"] = list(self.numbers)
        return out

    def figures(self) -> tuple[str, ...]:
        """Each passage's figures ("" if none)."""
        return self.numbers or ("",) * len(self.words)

    def __len__(self) -> int:
        return len(self.words)

    def places(self) -> memoryview:
        """Each passage's paragraph, start and end, three numbers a passage, read in place."""
        return memoryview(self._spans).cast("i")

    def _at(self, k: int, spans: memoryview, numbers: tuple[str, ...]) -> Passage:
        return Passage(spans[3 * k], spans[3 * k + 1], spans[3 * k + 2], self.words[k], numbers[k])

    def __getitem__(self, index):  # type: ignore[override]
        spans, numbers = self.places(), self.figures()
        if isinstance(index, slice):
            return tuple(self._at(k, spans, numbers) for k in range(len(self.words))[index])
        return self._at(range(len(self.words))[index], spans, numbers)

    def __iter__(self) -> Iterator[Passage]:
        spans, numbers = self.places(), self.figures()
        return (self._at(k, spans, numbers) for k in range(len(self.words)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Passages):
            return (self.words, self.figures(), self._spans) == (
                other.words,
                other.figures(),
                other._spans,
            )
        return isinstance(other, tuple) and tuple(self) == other

    def __hash__(self) -> int:
        return hash((self.words, self._spans))

    def __repr__(self) -> str:
        return f"Passages({tuple(self)!r})"


@dataclass(frozen=True, slots=True)
class Item:
    """What de-duplication needs of an article (kept in the state between runs)."""

    id: str
    length: int
    flags: int
    date: str | None
    passages: Passages  # given as any sequence of `Passage`s: held as `Passages`
    archived: bool = False
    title: str = ""  # the title's content words and numbers, space-separated
    exact: str = ""  # a hash of the whole text (and of the title, for a short text); "" if empty
    # the boilerplate passages left out of comparing (words -> figures): a template's figures
    ignored: tuple[tuple[str, str], ...] = ()
    entities: str = ""  # the gazetteer entities the text names (ids, space-separated)
    made_from: str = ""  # a hash of the cleaned article and settings it was made from
    # a hash of what comparing reads: two items with one digest compare the same
    digest: str = field(init=False, repr=False, compare=False)
    # the date as a day number, where it reads as one (ISO 8601 or 26-FEB-1987)
    day: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        passages = self.passages
        if not isinstance(passages, Passages):
            passages = Passages(passages)
            object.__setattr__(self, "passages", passages)
        text = "\n".join(map("|".join, zip(passages.words, passages.figures(), strict=True)))
        text += f"\n{self.title}"
        text += "".join(f"\n-{w}|{n}" for w, n in self.ignored) + f"\n@{self.entities}"
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()
        object.__setattr__(self, "digest", digest)
        object.__setattr__(self, "day", _day(self.date))

    def current(self) -> Item:
        """This item of the state as an article of the current run: the same item, not
        archived (its digest and day are kept, not made again)."""
        if not self.archived:
            return self
        made = object.__new__(Item)
        for name in Item.__slots__:
            object.__setattr__(made, name, getattr(self, name))
        object.__setattr__(made, "archived", False)
        return made

    def renamed(self, article_id: str, date: str | None, made_from: str) -> Item:
        """This item as another article's with the same content (a repost word for word):
        its id, date and source hash (its digest is kept, not made again: it reads neither)."""
        made = object.__new__(Item)
        for name in Item.__slots__:
            object.__setattr__(made, name, getattr(self, name))
        object.__setattr__(made, "id", article_id)
        object.__setattr__(made, "date", date)
        object.__setattr__(made, "day", self.day if date == self.date else _day(date))
        object.__setattr__(made, "made_from", made_from)
        return made

    def rank(self) -> tuple[int, str, int, int, str]:
        """Canonical choice: the most complete (the most passages, boilerplate left out), then
        the earliest, then the longest text, the fewest flags, the id."""
        return (-len(self.passages), self.date or "9999", -self.length, self.flags, self.id)

    def to_state(self) -> dict[str, object]:
        return {
            "length": self.length,
            "flags": self.flags,
            "date": self.date,
            "title": self.title,
            "exact": self.exact,
            "entities": self.entities,
            **self.passages.columns(),
            "made_from": self.made_from,
            "digest": self.digest,
        }

    @classmethod
    def from_state(cls, article_id: str, data: dict) -> Item:
        """The archived item a state keeps under ``article_id``: its passages as columns
        (versions 3 and 4) or as rows (version 2). The digest of a state with columns is taken
        as written, not made again from the passages (the state is written whole, by `State`)."""
        columns = "words" in data  # version 3 or 4
        if columns:
            passages = Passages.of_columns(data["spans"], data["words"], data.get("figures"))
        else:
            passages = Passages.of_rows(data["passages"])
        fields = (
            article_id,
            int(data["length"]),
            int(data["flags"]),
            data["date"],
            passages,
            True,
            str(data.get("title") or ""),
            str(data.get("exact") or ""),
            (),
            str(data.get("entities") or ""),
            str(data.get("made_from") or ""),
        )
        digest = data.get("digest")
        if not columns or not isinstance(digest, str):
            return cls(*fields)
        made = object.__new__(cls)
        for name, value in zip(_ITEM_FIELDS, fields, strict=True):
            object.__setattr__(made, name, value)
        object.__setattr__(made, "digest", digest)
        object.__setattr__(made, "day", _day(made.date))
        return made


_ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(Item) if f.init)


@functools.lru_cache(maxsize=4096)  # reposts share their dates
def _day(value: str | None) -> int | None:
    """A date as a day number, where it reads as one: ISO 8601 ("2024-03-02", with a time or
    not) or a date the reader knows ("26-FEB-1987 15:01", "20 June 2024")."""
    from .read import parse_dateline

    text = (value or "").strip()
    if not text:
        return None
    first = text.split()[0].replace("-", " ")
    iso = parse_dateline(text) or parse_dateline(text[:10]) or parse_dateline(first)
    return dt.date.fromisoformat(iso).toordinal() if iso else None


def content_words(
    text: str, stopwords: frozenset[str], stem: int, numbers: Mapping[str, str] = {}
) -> list[str]:
    return [
        w[:stem]
        for w in TOKEN_RE.findall(text.casefold())
        if w not in stopwords and not w.isdigit() and w not in numbers
    ]


def numbers_of(text: str, words: Mapping[str, str] = {}) -> str:
    """The figures of ``text`` as they compare: "1,000" is "1000", and a number word of the
    language ("two") is its figure."""
    found = [(m.start(), m.group().replace(",", "")) for m in NUMBER.finditer(text)]
    if words:
        pattern = _number_words(tuple(words))
        found += [(m.start(), words[m.group().casefold()]) for m in pattern.finditer(text)]
        found.sort()
    return " ".join(n for _, n in found)


@functools.lru_cache(maxsize=16)
def _number_words(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that finds any of a language's number words, as whole words."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])", re.IGNORECASE)


_ENDS = re.compile(r"[.!?…:;][\"'”’»)\]]*\s*$")
_GOES_ON = re.compile(r"(?:\b[^\W\d_A-Z][\w'’-]*|,)\s*$")  # a lower-case word or a comma
_CONTINUES = re.compile(r"^\s*[^\W_A-Z]")  # a lower-case letter or a digit (not a capital)


def _runs_on(text: str, following: str | None) -> bool:
    """Does a paragraph ending in ``text`` run on into the next one? Not if it ends a sentence;
    yes if it stops on a lower-case word or a comma ("to arrange one billion dlrs of") or the
    next starts in lower case: a hard-wrapped line, or a line break lost in a repost; a
    heading or a header line ("Posted on 12 March") does not."""
    if _ENDS.search(text):
        return False
    return bool(_GOES_ON.search(text)) or bool(following and _CONTINUES.match(following))


@functools.lru_cache(maxsize=16384)
def _split(paragraph: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, text) of each of `SENTENCE`'s matches in ``paragraph``: kept by the
    paragraph's text, which reposts repeat."""
    return tuple((m.start(), m.end(), m.group()) for m in SENTENCE.finditer(paragraph))


def _sentences(paragraphs: Sequence[str]) -> Iterator[tuple[int, int, int, str]]:
    """(paragraph, start, end, text) of each sentence. A paragraph that does not end a sentence
    runs on into the next (hard-wrapped lines, a line break lost in a repost): the sentence
    starts in the first and its span is clipped to it."""
    carry: tuple[int, int, str] | None = None  # paragraph, start, text so far
    for index, paragraph in enumerate(paragraphs):
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        found = _split(paragraph)
        for k, (m_start, m_end, text) in enumerate(found):
            runs_on = k == len(found) - 1 and _runs_on(text, following)
            if carry is not None:
                where, start, before = carry
                carry = None
                if runs_on:
                    carry = (where, start, before + " " + text)
                    continue
                yield where, start, len(paragraphs[where]), before + " " + text
                continue
            start = m_start + len(text) - len(text.lstrip())
            if runs_on:
                carry = (index, start, text)
                continue
            yield index, start, m_end, text
    if carry is not None:
        where, start, text = carry
        yield where, start, len(paragraphs[where]), text


def passages_of(
    paragraphs: Sequence[str],
    stopwords: frozenset[str],
    config: DedupConfig,
    numbers: Mapping[str, str] = {},
) -> tuple[Passage, ...]:
    out = []
    number_words = tuple(numbers.items())
    number_words = _NUMBER_WORDS.setdefault(number_words, number_words)  # one held per language
    for index, start, end, text in _sentences(paragraphs):
        found = _sentence_words(text, stopwords, config.stem, config.min_words, number_words)
        if found is not None:
            out.append(Passage(index, start, end, *found))
    return tuple(out)


_NUMBER_WORDS: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}


def forget_sentences() -> None:
    """Let go of the passages kept by sentence (`_sentence_words`) and the sentences kept by
    paragraph (`_split`): every article's are made."""
    _sentence_words.cache_clear()
    _split.cache_clear()


@functools.lru_cache(maxsize=32768)
def _sentence_words(
    text: str,
    stopwords: frozenset[str],
    stem: int,
    min_words: int,
    number_words: tuple[tuple[str, str], ...],
) -> tuple[str, str] | None:
    """A sentence's passage (its content words, its figures), or None if it has too few words:
    kept by the sentence's text, which reposts repeat. Both strings are interned: reposts
    share most passages, whose words are then held once."""
    numbers = dict(number_words)
    words = content_words(text, stopwords, stem, numbers)
    if len(words) < min_words:
        return None
    return sys.intern(" ".join(words)), sys.intern(numbers_of(text, numbers))


def numbers_agree(a: str, b: str) -> bool:
    """Two passages' figures agree where both have some: the same figures (a translation may
    write one out in words, so a passage without figures agrees with any)."""
    return not a or not b or sorted(a.split()) == sorted(b.split())


def exact_key(title: str, text: str) -> str:
    """What identical articles share: their text (white space and case aside), and their title
    too where the text is short (two dividend notices can be word for word the same)."""
    body = " ".join(text.split()).casefold()
    if not body:
        return ""
    key = body if len(body) >= EXACT_MIN else " ".join(title.split()).casefold() + "\n" + body
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def boilerplate(
    items: Sequence[Item],
    config: DedupConfig,
    memo: Mapping[str, object] | None = None,
    judged: dict[str, object] | None = None,
) -> dict[str, int]:
    """Passages learned to be boilerplate, with the number of articles each is in: a passage
    found word for word in articles of ``boilerplate_articles`` or more different reports (an
    article and its reposts, which share at least half their words, are one report). A
    site footer, a stock background paragraph, a wire's recap sentence; not a quote that two
    reports of one story share, however often each is reposted.

    Whether a sample of a passage's holders is of enough reports depends only on their words:
    ``memo`` holds an earlier run's answers (keyed by `REPORTS` and a hash of the holders'
    digests, in order), and ``judged`` receives this run's."""
    # the passages in enough articles first (a count a passage), then their holders: most
    # passages are in one article, and a list of holders for each would be most of the memory
    spread: Counter[str] = Counter()
    for item in items:
        spread.update(set(item.passages.words))
    holders: dict[str, list[int]] = {
        words: [] for words, n in spread.items() if n >= config.boilerplate_articles
    }
    del spread
    for i, item in enumerate(items):
        for words in set(item.passages.words):
            if words in holders:
                holders[words].append(i)
    found: dict[str, int] = {}
    one: dict[tuple[int, int], bool] = {}  # pairs of holders already judged (one report?)

    # a passage's words, split once: reposts share most passages, and a set of strings met
    # before is made without hashing them again (the last 16,384 passages: about 12 MB)
    words_in = functools.lru_cache(maxsize=16_384)(lambda words: frozenset(words.split()))

    @functools.lru_cache(maxsize=2048)  # a few thousand articles' words at a time, not all
    def words_of(i: int) -> frozenset[str]:
        return frozenset().union(*map(words_in, items[i].passages.words))

    def same_report(i: int, r: int) -> bool:
        key = (i, r) if i < r else (r, i)
        if key not in one:
            one[key] = _share_most(words_of(i), words_of(r))
        return one[key]

    def widespread(sample: tuple[int, ...]) -> bool:
        """Are the holders in ``sample`` of enough reports? An article and its reposts share
        most passages, and are one."""
        reports: list[int] = []
        for i in sample:
            if not any(same_report(i, r) for r in reports):
                reports.append(i)
                if len(reports) >= config.boilerplate_articles:
                    return True
        return False

    answers: dict[tuple[int, ...], bool] = {}  # a story's passages mostly have one set of holders
    for words, who in holders.items():
        if len(who) < config.boilerplate_articles:
            continue
        sample = tuple(who[:: max(1, len(who) // 12)][:12])
        if sample not in answers:
            key = REPORTS + content_key(*(items[i].digest for i in sample)).hex()
            answer = (memo or {}).get(key)
            answers[sample] = answer if isinstance(answer, bool) else widespread(sample)
            if judged is not None:
                judged[key] = answers[sample]
        if answers[sample]:
            found[words] = len(who)
    return found


REPORTS = "reports:"  # a remembered answer of `boilerplate`, beside the remembered comparisons


def _examples(items: Sequence[Item], learned: dict[str, int]) -> list[dict[str, object]]:
    """Each learned boilerplate passage with where it was first seen (for editors to read),
    the most widespread first."""
    out: dict[str, dict[str, object]] = {}
    if not learned:
        return []
    for item in items:
        for k, words in enumerate(item.passages.words):
            if words in learned and words not in out:
                p = item.passages[k]
                out[p.words] = {
                    "words": p.words,
                    "articles": learned[p.words],
                    "example": {"id": item.id, "paragraph": p.paragraph, "span": [p.start, p.end]},
                }
    return sorted(out.values(), key=lambda e: (-int(e["articles"]), str(e["words"])))  # type: ignore[call-overload]


def _share_most(a: frozenset[str], b: frozenset[str]) -> bool:
    """Are two articles one report: do they share at least half their words (Jaccard)? A
    repost does, even reworded or cut; two reports under one footer or one background
    paragraph do not."""
    shared = len(a & b)
    return shared * 2 >= len(a) + len(b) - shared  # ... of the words of either


def without(item: Item, ignored: dict[str, int] | set[str]) -> Item:
    """``item`` without its boilerplate passages (the same item if it has none)."""
    learned = ignored.keys() if isinstance(ignored, dict) else ignored
    if learned.isdisjoint(item.passages.words):  # most articles: none (looked for in C)
        return item
    kept = tuple(p for p in item.passages if p.words not in ignored)
    left = tuple((p.words, p.numbers) for p in item.passages if p.words in ignored)
    return dataclasses.replace(item, passages=kept, ignored=left)


SIGNED = 1 << 20  # words of the corpus hashed at once (`signatures`)


def signatures(
    flat: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    signed: np.ndarray,
    per_passage: np.ndarray,
    hashes: np.ndarray,
    config: DedupConfig,
) -> np.ndarray:
    """MinHash signatures with a fixed seed (the same on every run): one row for each passage
    with a word ``signed``, in order, from the 32-bit ``hashes`` of its signed words.

    ``flat``, ``starts``: the passages' word ids (`WordIds`); ``lengths``: each passage's
    number of ids; ``signed``: which of ``flat`` take part, ``per_passage`` how many of each
    passage's (`_sums`). Hashed a run of passages at a time
    (about ``SIGNED`` words), never the whole corpus's words at once.
    """
    rng = np.random.default_rng(20240620)
    # multiply-shift hashing: (a * x + b) mod 2**64, top 32 bits; a odd
    a = rng.integers(0, 1 << 63, size=config.num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(
        1
    )
    b = rng.integers(0, 1 << 63, size=config.num_perm, dtype=np.uint64)
    out = np.empty((int(np.count_nonzero(per_passage)), config.num_perm), dtype=np.uint32)
    row = 0
    for part in _chunks(lengths, SIGNED):
        lo = int(starts[part.start]) if part.start < len(starts) else len(flat)
        hi = lo + int(lengths[part].sum())
        counts = per_passage[part][per_passage[part] > 0]
        if not len(counts):
            continue
        x = hashes[flat[lo:hi][signed[lo:hi]]]
        firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        with np.errstate(over="ignore"):
            for k in range(config.num_perm):
                out[row : row + len(counts), k] = np.minimum.reduceat(
                    (x * a[k] + b[k]) >> np.uint64(32), firsts
                )
        row += len(counts)
    return out


def _sums(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The number of true ``values`` in each passage (``starts``, ``lengths``: `signatures`)."""
    if not len(values):
        return np.zeros(len(starts), dtype=np.int64)
    out = np.add.reduceat(values, np.minimum(starts, len(values) - 1), dtype=np.int64)
    out[lengths == 0] = 0  # reduceat gives an empty slice's first value
    return out


def _close(rows: np.ndarray, low: np.ndarray, high: np.ndarray, similarity: float) -> np.ndarray:
    """Which row pairs' signatures agree on at least ``similarity`` of their values: the share
    estimates two passages' word overlap (Jaccard). A chance collision on one band says little.
    In chunks: two signature rows a pair."""
    close = np.empty(len(low), dtype=bool)
    for at in range(0, len(low), CHUNK):
        part = slice(at, at + CHUNK)
        close[part] = (rows[low[part]] == rows[high[part]]).mean(axis=1) >= similarity
    return close


class WordIds(NamedTuple):
    """Each passage's distinct words as numbers (`word_ids`). Numbers, not strings: a corpus
    has millions of words and a few tens of thousands of distinct ones."""

    flat: np.ndarray  # word ids (16 bits, or 32 for a larger vocabulary), passage after passage
    starts: np.ndarray  # where each passage's ids begin in ``flat``
    owners: np.ndarray  # the item each passage belongs to
    vocab: list[str]
    copy_of: np.ndarray  # the first passage with the same words (itself, if it is the first)


NARROW_IDS = 1 << 16  # a vocabulary up to this size has its ids in 16 bits


def _index(n: int) -> type:
    """The integer type of indices below ``n``: 32 bits where they fit, half the room."""
    return np.int32 if n < 1 << 31 else np.int64


def word_ids(items: Sequence[Item]) -> WordIds:
    """`WordIds` of ``items``' passages, in order."""
    texts = [words for item in items for words in item.passages.words]
    owners = np.repeat(
        np.arange(len(items), dtype=_index(len(items))), [len(item.passages) for item in items]
    )
    copy_of = _first_copies(texts)
    vocab: dict[str, int] = {}
    # machine integers, not objects (ids made in 32 bits, narrowed below where they fit)
    flat, starts = array("i"), array("q")
    for at in range(0, len(texts), CHUNK):
        for k, first in enumerate(copy_of[at : at + CHUNK].tolist(), start=at):
            starts.append(len(flat))
            if first == k:
                flat.extend({vocab.setdefault(w, len(vocab)) for w in texts[k].split()})
            else:  # a copy: its first's ids
                flat.extend(flat[starts[first] : starts[first + 1]])

    def numbers(values: array, dtype: type) -> np.ndarray:
        return np.frombuffer(values, dtype=dtype) if values else np.zeros(0, dtype=dtype)

    ids = numbers(flat, np.intc)
    if len(vocab) <= NARROW_IDS:  # the corpus's largest array: half the room where ids allow
        ids = ids.astype(np.uint16)
    del flat
    return WordIds(ids, numbers(starts, np.int64), owners, list(vocab), copy_of)


def _first_copies(texts: Sequence[str]) -> np.ndarray:
    """For each text, the first with the same words (itself, if it is the first). Found by
    the texts' hashes, as numbers (a dictionary of a corpus's passages would take several
    times their room), then checked word for word: a text whose hash it shares with other
    words (odds of about P² in 2⁶⁴) stands for itself."""
    keys = np.fromiter((hash(t) for t in texts), dtype=np.int64, count=len(texts))
    _, first, where = np.unique(keys, return_index=True, return_inverse=True)
    del keys
    copy_of = first[where.ravel()].astype(_index(len(texts)))
    del first, where
    for k in np.flatnonzero(copy_of != np.arange(len(texts))).tolist():
        if texts[k] != texts[copy_of[k]]:
            copy_of[k] = k
    return copy_of


@functools.lru_cache(maxsize=128)
def _pairs_of(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j) of ``size`` bucket members, as two index arrays."""
    return np.triu_indices(size, 1)


CHUNK = 65_536  # passage pairs whose signatures are compared at once (memory: 256 bytes a pair)


NO_PAIRS = np.zeros((0, 2), dtype=np.int64)
NO_PAIRS.setflags(write=False)


def candidate_pairs(
    items: Sequence[Item], config: DedupConfig, ids: WordIds | None = None
) -> set[tuple[int, int]]:
    """`candidate_array` as a set of (i, j) pairs."""
    pairs = candidate_array(items, config, ids)
    return set(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))


def candidate_array(
    items: Sequence[Item], config: DedupConfig, ids: WordIds | None = None
) -> np.ndarray:
    """Pairs of item indices (i < j, one pair a row, in order) whose passages share a bucket in
    at least ``min_collisions`` (passage pair, band) events: one shared common word makes one
    collision by chance, a shared passage makes several. ``ids``: `word_ids` of ``items``, if
    already made. An array, not Python tuples: a corpus of reposts has tens of candidates an
    article."""
    flat, starts, owners, vocab, copy_of = ids or word_ids(items)
    if len(starts) < 2:
        return NO_PAIRS
    # words in a large share of all passages ("Iraq" in an Iraq corpus) make buckets huge and
    # say nothing about which passages match: they are left out of the signatures
    df = np.bincount(flat, minlength=len(vocab))
    limit = max(config.df_floor, config.max_df * len(starts))
    kept = df[flat] <= limit
    del df
    lengths = np.diff(np.append(starts, len(flat)))
    counts = _sums(kept, starts, lengths)  # each passage's words kept
    enough = counts >= 2
    if int(enough.sum()) < 2:
        return NO_PAIRS
    owner = owners[enough]
    # passages with the same words (reposts share most passages word for word) are signed and
    # bucketed once, as one row that stands for all of them (`size`): a bucket's size still
    # counts passages, and each pair of passages is counted as if bucketed one by one
    heads, which, size = np.unique(copy_of[enough], return_inverse=True, return_counts=True)
    # each row's passages (of ``owner``), row after row
    members = np.argsort(which.ravel(), kind="stable").astype(_index(len(owner)))
    del which
    head = np.zeros(len(starts), dtype=bool)
    head[heads] = True
    hashes = np.array([zlib.crc32(w.encode("utf-8")) for w in vocab], dtype=np.uint64)
    kept &= np.repeat(head, lengths)  # the words signed: the kept words of each row's passage
    signed = np.where(head, counts, 0)
    del head, heads, counts
    rows_of = signatures(flat, starts, lengths, kept, signed, hashes, config)
    del signed
    del kept, hashes, lengths
    u = np.int64(len(rows_of))
    rows = config.num_perm // config.bands
    # codes (low * u + high) of row pairs (or a row with itself) sharing a bucket, with the
    # number of bands they share one in: each band's pairs are kept only if close (below; most
    # collide by chance, in one band) and merged into the bands' before the next band is made
    codes = np.zeros(0, dtype=np.int64)
    bands_hit = np.zeros(0, dtype=np.min_scalar_type(config.bands))
    for band in range(config.bands):
        keys = rows_of[:, band * rows].astype(np.uint64)
        for col in range(band * rows + 1, (band + 1) * rows):
            keys *= np.uint64(1_000_003)
            keys += rows_of[:, col]
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        edges = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        del keys
        firsts = np.concatenate(([0], edges))
        del edges
        lengths = np.diff(np.append(firsts, len(order)))
        passages = np.add.reduceat(size[order], firsts)
        # buckets of 2 to `max_bucket` passages, taken by their number of rows (vectorised):
        # every pair of rows of one bucket, and each row that stands for several passages
        # with itself
        bucketed = (passages >= 2) & (passages <= config.max_bucket)
        at = np.repeat(bucketed, lengths)
        alike = order[at & (size[order] > 1)]
        alike = alike[_close(rows_of, alike, alike, config.min_similarity)]
        lows, highs = [alike], [alike]
        for length in np.unique(lengths[bucketed & (lengths > 1)]).tolist():
            starts_of = firsts[bucketed & (lengths == length)]
            block_of = order[starts_of[:, None] + np.arange(length)]  # a bucket's rows a line
            i, j = _pairs_of(length)
            low, high = block_of[:, i].ravel(), block_of[:, j].ravel()
            del block_of
            close = _close(rows_of, low, high, config.min_similarity)  # kept: the close only
            lows.append(low[close])
            highs.append(high[close])
            del low, high, close
        del order, firsts, lengths, passages, bucketed, at
        low, high = np.concatenate(lows), np.concatenate(highs)
        del lows, highs
        band_codes = np.sort(np.minimum(low, high) * u + np.maximum(low, high))
        del low, high
        # a row pair shares at most one bucket a band: each band's codes are distinct. Merged
        # into the sorted codes where they fall (not sorted again with them: the codes of all
        # bands are millions at a million articles)
        at = np.searchsorted(codes, band_codes)
        known = at < len(codes)
        known[known] = codes[at[known]] == band_codes[known]
        bands_hit[at[known]] += 1
        codes = np.insert(codes, at[~known], band_codes[~known])
        bands_hit = np.insert(bands_hit, at[~known], 1)
        del at, known, band_codes
    del rows_of
    first, second = codes // u, codes % u
    # back to passages: every passage of one row with every passage of the other (of the same
    # row: every pair of its passages), and to their articles; summed a chunk at a time, so
    # that the passage pairs (many more than article pairs) are never all held at once
    begins = np.concatenate(([0], np.cumsum(size)))
    m = np.int64(len(items))
    summed = _ArticlePairs(owner, m)
    cross = first != second
    fa, fb, hit = first[cross], second[cross], bands_hit[cross]
    total = size[fa] * size[fb]
    for part in _chunks(total, PASSAGE_PAIRS):
        nb, t = size[fb[part]], total[part]
        pair = np.repeat(np.arange(len(t)), t)
        offset = np.arange(int(t.sum())) - np.repeat(np.cumsum(t) - t, t)
        summed.add(
            members[begins[fa[part]][pair] + offset // nb[pair]],
            members[begins[fb[part]][pair] + offset % nb[pair]],
            hit[part][pair],
        )
        del pair, offset
    # a row with itself: every pair of its passages, the rows of one size at once
    alone, times = first[~cross], bands_hit[~cross]
    for length in np.unique(size[alone]).tolist():
        of = size[alone] == length
        block = members[begins[alone[of]][:, None] + np.arange(length)]  # a row's passages
        i, j = _pairs_of(length)
        for part in _chunks(np.full(len(block), len(i)), PASSAGE_PAIRS):
            summed.add(
                block[part][:, i].ravel(),
                block[part][:, j].ravel(),
                np.repeat(times[of][part], len(i)),
            )
    pairs, collisions = summed.total()
    pairs = pairs[collisions >= config.min_collisions]
    return np.stack((pairs // m, pairs % m), axis=1)


PASSAGE_PAIRS = 1 << 21  # passage pairs mapped to their articles at once (about 100 MB)


def _chunks(sizes: np.ndarray, most: int) -> Iterator[slice]:
    """Consecutive slices of ``sizes`` whose sums reach at most ``most`` (or one element)."""
    ends = np.cumsum(sizes)
    at = 0
    while at < len(sizes):
        base = ends[at - 1] if at else 0
        stop = max(int(np.searchsorted(ends, base + most, side="right")), at + 1)
        yield slice(at, stop)
        at = stop


class _ArticlePairs:
    """Collisions summed by article pair (code ``low * m + high``) as passage pairs come in:
    they are gathered until about ``PASSAGE_PAIRS`` are held, then reduced to their distinct
    article pairs; the reduced batches are merged when they hold more codes than that (or twice
    what the last merge left)."""

    def __init__(self, owner: np.ndarray, m: np.int64) -> None:
        self.owner, self.m = owner, m
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.waiting = 0
        self.codes: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []
        self.held = 0
        self.limit = PASSAGE_PAIRS

    def add(self, a: np.ndarray, b: np.ndarray, weights: np.ndarray) -> None:
        """Passage pairs (passages ``a[k]`` and ``b[k]``) and their collisions."""
        self.pending.append((a, b, weights))
        self.waiting += len(a)
        if self.waiting >= PASSAGE_PAIRS:
            self._reduce()

    def _reduce(self) -> None:
        if not self.pending:
            return
        a, b, weights = (np.concatenate(x) for x in zip(*self.pending, strict=True))
        self.pending, self.waiting = [], 0
        a, b = self.owner[a], self.owner[b]
        other = a != b
        a, b, weights = a[other], b[other], weights[other]
        codes = np.minimum(a, b) * self.m + np.maximum(a, b)
        del a, b, other
        codes, inverse = np.unique(codes, return_inverse=True)
        self.codes.append(codes)
        self.weights.append(np.bincount(inverse, weights=weights, minlength=len(codes)))
        self.held += len(codes)
        if self.held > self.limit and len(self.codes) > 1:
            codes, weights = self._merged()
            self.codes, self.weights, self.held = [codes], [weights], len(codes)
            self.limit = max(PASSAGE_PAIRS, 2 * len(codes))  # merged again when it has doubled

    def _merged(self) -> tuple[np.ndarray, np.ndarray]:
        codes, inverse = np.unique(np.concatenate(self.codes), return_inverse=True)
        weights = np.bincount(inverse, weights=np.concatenate(self.weights), minlength=len(codes))
        return codes, weights

    def total(self) -> tuple[np.ndarray, np.ndarray]:
        """Every article pair that collided, in order, and its number of collisions."""
        self._reduce()
        if not self.codes:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return self._merged()


@dataclass(frozen=True, slots=True)
class Overlap:
    a: int
    b: int
    score: float
    duplicate: bool
    # (passage of a, passage of b, score), read with `_triples`: tuples, the numbers of this
    # run's comparison (`_memo_of`), or the lists of one remembered from the state
    pairs: Sequence[Sequence[float]] | array
    why: str = ""  # how the decision was made, in words


def passage_matrix(
    a: Sequence[str], b: Sequence[str], config: DedupConfig
) -> tuple[np.ndarray, set[int]] | None:
    """`passage_scores`, with the passages ``a`` and ``b`` share word for word (reposts share
    most) scored 100 without rapidfuzz: such a pair is scored against each other only, and the
    other passages among themselves. Returns the matrix and the rows of ``a`` with an equal
    (the caller scores one in full, `passage_scores`, if its equals are taken), or None if no
    pair reaches the cutoff."""
    equals: dict[str, list[int]] = defaultdict(list)
    for j, words in enumerate(b):
        equals[words].append(j)
    exact = {i for i, words in enumerate(a) if words in equals}
    if not exact:
        found = kept_scores(a, b, config)
        return None if found is None else (found, exact)
    matrix = np.zeros((len(a), len(b)), dtype=np.float32)
    for i in exact:
        matrix[i, equals[a[i]]] = 100.0
    rest = [i for i in range(len(a)) if i not in exact]
    taken = {a[i] for i in exact}
    others = [j for j, words in enumerate(b) if words not in taken]
    scored = (
        kept_scores([a[i] for i in rest], [b[j] for j in others], config)
        if rest and others
        else None
    )
    if scored is not None:
        matrix[np.ix_(rest, others)] = scored
    return matrix, exact


PAIRS_KEPT = 100_000  # passage pairs whose score `kept_scores` keeps (about 10 MB)


class _Kept:
    """Passage pairs' scores by the first passage, then the second (a row's are looked up in
    one mapping, without a pair made for each), and how many pairs are held."""

    __slots__ = ("rows", "size")

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, float]] = {}
        self.size = 0


_kept_pairs: dict[float, _Kept] = {}  # by passage cutoff
_NONE_KEPT: dict[str, float] = {}  # the scores of a passage with none kept (never written to)
_ZERO = 0.0  # the score of most pairs, held once
# Keeping pays where passages meet again (reposts: seven pairs in ten at 2,000 articles); where
# fewer than one looked up in `KEPT_FEW` is found after `KEPT_PROBE` (a corpus of distinct
# articles), nothing more is kept or looked up in that de-duplication.
KEPT_PROBE, KEPT_FEW = 200_000, 20
_kept_looks = [0, 0]  # passage pairs looked up, and found, in this de-duplication


def kept_scores(a: Sequence[str], b: Sequence[str], config: DedupConfig) -> np.ndarray | None:
    """`passage_scores`, with the pairs of passages scored before taken from what was kept: in a
    story reposted many times, each repost's header, footer and changed sentences meet the same
    passages of the others again and again. A row of ``a`` with a pair not kept is scored whole
    (in one call to rapidfuzz) and kept; past `PAIRS_KEPT` pairs, what was kept is let go."""
    looks = _kept_looks
    if looks[0] >= KEPT_PROBE and looks[1] * KEPT_FEW < looks[0]:
        return passage_scores(a, b, config)  # few pairs meet again: keeping costs, saves nothing
    kept = _kept_pairs.get(config.passage_cutoff)
    if kept is None:
        kept = _kept_pairs[config.passage_cutoff] = _Kept()
    matrix = np.zeros((len(a), len(b)), dtype=np.float32)
    missing = []
    for i, x in enumerate(a):
        get = kept.rows.get(x, _NONE_KEPT).get
        row = [get(y) for y in b]
        unknown = row.count(None)
        looks[1] += len(b) - unknown
        if unknown:
            missing.append(i)
        else:
            matrix[i] = row
    looks[0] += len(a) * len(b)
    if missing:
        if kept.size + len(missing) * len(b) > PAIRS_KEPT:
            kept.rows.clear()
            kept.size = 0
        found = passage_scores([a[i] for i in missing], b, config)
        for k, i in enumerate(missing):
            row = [_ZERO] * len(b) if found is None else [v or _ZERO for v in found[k].tolist()]
            matrix[i] = row
            held = kept.rows.setdefault(a[i], {})
            size = len(held)
            held.update(zip(b, row, strict=True))
            kept.size += len(held) - size
    return matrix if matrix.any() else None


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
    if len(rows) * 4 < sets.size:  # few pairs reach the cutoff: score only those
        scores = np.zeros_like(sets)
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            scores[i, j] = (sets[i, j] + fuzz.token_sort_ratio(a[i], b[j])) / 2
        return scores
    sorts = process.cdist(
        a, b, scorer=fuzz.token_sort_ratio, workers=config.workers, dtype=np.float32
    )
    return np.where(sets > 0, (sets + sorts) / 2, 0).astype(np.float32)


def entities_disagree(a: Item, b: Item) -> bool:
    """Do two articles name gazetteer entities, but none in common? Then they are not one
    report, nor (for a link in other words) one story."""
    return bool(a.entities and b.entities) and not set(a.entities.split()) & set(b.entities.split())


def _titles_agree(a: Item, b: Item, config: DedupConfig) -> bool:
    """Do two short articles' titles name the same thing (Jaccard of their words)? Two notices
    of one template differ in their titles' names: "Franklin Ohio Insured" is not "Franklin
    Insured"."""
    x, y = set(a.title.split()), set(b.title.split())
    if not x or not y:
        return True
    return len(x & y) / len(x | y) >= config.title_agreement


def _template_conflicts(a: Item, b: Item, config: DedupConfig) -> int:
    """Boilerplate passages (left out of comparing) that have a near-copy on the other side
    whose figures differ: two notices of one template ("Qtly div 18 cts vs 16 cts", "to arrange
    two billion dlrs of repurchases") are different reports."""
    if not a.ignored and not b.ignored:
        return 0
    mine = [*zip(a.passages.words, a.passages.figures(), strict=True), *a.ignored]
    theirs = [*zip(b.passages.words, b.passages.figures(), strict=True), *b.ignored]
    rows = [k for k, (w, n) in enumerate(mine) if n and (k >= len(a.passages) or b.ignored)]
    if not rows:
        return 0
    matrix = process.cdist(
        [mine[k][0] for k in rows],
        [w for w, _ in theirs],
        scorer=fuzz.token_sort_ratio,
        score_cutoff=config.duplicate_passage,
        dtype=np.float32,
    )
    found = 0
    for r, k in enumerate(rows):
        close = [theirs[j][1] for j in np.flatnonzero(matrix[r]).tolist()]
        if close and not any(numbers_agree(mine[k][1], n) for n in close):
            found += 1
    return found


def compare(a: Item, b: Item, config: DedupConfig) -> Overlap | None:
    """Score every passage of ``a`` against every passage of ``b``; None if they do not overlap.

    Passages whose figures disagree do not match, however alike their words (`numbers_agree`).
    A duplicate's near-copies cover ``duplicate_coverage`` of the shorter article and either
    ``longer_coverage`` of the longer one or its top (a repost cut short); a short pair must
    share its titles' words. Otherwise two matching passages make the articles related.
    """
    if not a.passages or not b.passages:
        return None
    words_a, words_b = list(a.passages.words), list(b.passages.words)
    found = passage_matrix(words_a, words_b, config)
    if found is None:
        return None
    matrix, exact = found
    numbers_a, numbers_b = a.passages.figures(), b.passages.figures()
    pairs = []
    used: set[int] = set()
    conflicts = _template_conflicts(a, b, config)
    cutoff = config.passage_cutoff
    for i, row in enumerate(matrix.tolist()):  # small matrices: plain lists are faster
        close = sorted((j for j, v in enumerate(row) if v >= cutoff), key=lambda j: -row[j])
        if i in exact and all(j in used for j in close):  # its equals are taken: all of it
            full = passage_scores([words_a[i]], words_b, config)
            row = [] if full is None else full[0].tolist()
            close = sorted((j for j, v in enumerate(row) if v >= cutoff), key=lambda j: -row[j])
        for j in close:
            score = row[j]
            if j in used:
                continue
            if not numbers_agree(numbers_a[i], numbers_b[j]):
                conflicts += score >= config.duplicate_passage
                continue
            used.add(j)
            pairs.append((i, j, score))
            break
    if not pairs:
        return None
    near = [(i, j) for i, j, s in pairs if s >= config.duplicate_passage]
    na, nb = len(a.passages), len(b.passages)
    short, long = (na, nb) if na <= nb else (nb, na)
    cover_short = len(near) / short
    cover_long = len(near) / long
    top = min(((j if na <= nb else i) for i, j in near), default=long)
    duplicate = (
        not conflicts
        and not entities_disagree(a, b)
        and cover_short >= config.duplicate_coverage
        and (cover_long >= config.longer_coverage or top < config.top_passages)
        and (short >= config.few_passages or _titles_agree(a, b, config))
    )
    if duplicate:
        how = (
            f"near-copies cover {cover_short:.0%} of the shorter and {cover_long:.0%} of the "
            "longer"
            + ("" if cover_long >= config.longer_coverage else ", from its top (a cut repost)")
        )
        return Overlap(0, 0, round(100.0 * cover_short, 1), True, tuple(pairs), how)
    if len(pairs) < config.related_passages or len(pairs) <= conflicts:
        return None  # too little in common, or as much that disagrees in its figures
    how = f"{len(pairs)} matching passages" + (
        f"; {conflicts} more alike in words but not in figures" if conflicts else ""
    )
    if near and not conflicts and cover_short >= config.duplicate_coverage:
        how += "; the shorter is one section of the longer"
    return Overlap(0, 0, round(max(s for _, _, s in pairs), 1), False, tuple(pairs), how)


def _memo_of(found: Overlap | None) -> object:
    """A comparison as it is remembered: 0 if the two do not overlap, else its score, whether
    they are duplicates, its passage pairs as numbers (`_triples`) and why. A corpus of a
    million articles remembers a million comparisons: Python lists for their pairs would take
    several times the room (the state writes them as lists: `_memo_json`)."""
    if found is None:
        return 0
    flat = array("d", [v for p in found.pairs for v in p])
    return (found.score, found.duplicate, flat, sys.intern(found.why))


def _triples(pairs: Sequence[Sequence[float]] | array) -> Iterator[tuple[int, int, float]]:
    """(passage of a, passage of b, score) of a link's passage pairs: the numbers of a
    comparison made by this run (`_memo_of`), or the lists of one remembered from the state."""
    if isinstance(pairs, array):
        return zip(map(int, pairs[0::3]), map(int, pairs[1::3]), pairs[2::3], strict=True)
    return ((int(i), int(j), float(score)) for i, j, score in pairs)


def _memo_json(value: object) -> object:
    """A remembered comparison as the state holds it: [score, duplicate, pairs, why]."""
    if isinstance(value, tuple):
        score, duplicate, pairs, why = value
        return [score, duplicate, [list(p) for p in _triples(pairs)], why]
    return value


def _overlap_of(value: object, a: int, b: int) -> Overlap | None:
    """The comparison kept as ``value`` (`_memo_of`) as the link of items ``a`` and ``b``."""
    if not value:
        return None
    score, duplicate, pairs, why = value  # type: ignore[misc]
    return Overlap(
        a,
        b,
        float(score),
        bool(duplicate),
        pairs,  # as remembered: read as numbers where evidence quotes them (`_evidence`)
        str(why),
    )


def story_text(evidence: Mapping[str, object]) -> str:
    """A story's evidence as compact JSON (sorted keys): its line of ``clusters.json``, and what
    an article's render key reads of its story."""
    return compact(evidence, sort_keys=True)


def text_key(text: str) -> str:
    """A hash of a story's text: a text read back from ``clusters.json`` is the one written."""
    return content_key(text).hex()


# a story's evidence as the last run wrote it, by its id and `evidence_key`: its text and its
# `text_key`, or None
EarlierEvidence = Callable[[str, str], tuple[str, str] | None]


class _Packed(Mapping[str, str]):
    """Texts held as they are up to `HELD_PLAIN` bytes in all, and beyond that deflated
    (zlib, its fastest level) and inflated when read: JSON evidence takes about a fifth of its
    room so, and each text is read a few times a run. A corpus of 8,000 articles has about
    12 MB of evidence: held plain, its run neither deflates nor inflates any."""

    def __init__(self) -> None:
        self.packed: dict[str, str | bytes] = {}
        self.plain = 0  # bytes of the texts held as they are

    def __setitem__(self, key: str, text: str) -> None:
        old = self.packed.get(key)
        if isinstance(old, str):
            self.plain -= sys.getsizeof(old)
        size = sys.getsizeof(text)
        if self.plain + size <= HELD_PLAIN:
            self.packed[key] = text
            self.plain += size
        else:
            self.packed[key] = zlib.compress(text.encode("utf-8"), 1)

    def __getitem__(self, key: str) -> str:
        held = self.packed[key]
        return held if isinstance(held, str) else zlib.decompress(held).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return iter(self.packed)

    def __len__(self) -> int:
        return len(self.packed)


HELD_PLAIN = 16 << 20  # bytes of evidence held plain, the rest deflated (`_Packed`)


class Stories(Mapping[str, Any]):
    """Each story's evidence (by its canonical's id), held as its JSON text (`story_text`),
    deflated beyond the first 16 MB (`_Packed`), and decoded when asked for: as Python objects,
    a corpus's stories take several times the room of their text, and their text five times the
    room it takes deflated."""

    def __init__(self) -> None:
        self.texts = _Packed()
        # story id -> [what its evidence was made from (`evidence_key`), a hash of its text]
        self.keys: dict[str, list[str]] = {}
        # a few decoded at a time: articles are written in id order, a story's members close
        self._decoded = functools.lru_cache(maxsize=64)(self._decode)

    def add(self, story_id: str, evidence: Mapping[str, object], key: str | None = None) -> None:
        self.add_text(story_id, story_text(evidence), key)

    def add_text(
        self, story_id: str, text: str, key: str | None = None, hashed: str | None = None
    ) -> None:
        """A story's evidence given as its text (`story_text`), made from ``key`` (its
        `evidence_key`, kept with the text's `text_key`, ``hashed`` if known, if given)."""
        self.texts[story_id] = text
        if key is not None:
            self.keys[story_id] = [key, hashed or text_key(text)]

    def _decode(self, story_id: str) -> Any:
        return parse(self.texts[story_id])

    def __getitem__(self, story_id: str) -> Any:
        return self._decoded(story_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)


ROLES = ("canonical", "duplicate", "related")


class Clusters(Mapping[str, dict[str, object]]):
    """Each article's cluster record, by its id: ``{"id": its story's canonical, "role":
    canonical, duplicate or related, "of": the article it duplicates (or its story's canonical,
    if related), "score"}``. Held as numbers over the articles sorted by id and made into a
    dictionary when read: a million records as dictionaries would take 200 MB."""

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids = ids  # sorted
        self._story = np.full(len(ids), -1, dtype=np.int32)  # the canonical's index, -1: none
        self._role = np.zeros(len(ids), dtype=np.int8)  # in `ROLES`
        self._of = np.full(len(ids), -1, dtype=np.int32)
        self._score = np.full(len(ids), np.nan)  # NaN: None
        self._order = array("i")  # the articles in the order their records were set

    def set(self, k: int, story: int, role: str, of: int | None, score: float | None) -> None:
        if self._story[k] < 0:
            self._order.append(k)
        self._story[k], self._role[k] = story, ROLES.index(role)
        self._of[k] = -1 if of is None else of
        self._score[k] = np.nan if score is None else score

    def _index(self, article_id: object) -> int:
        k = bisect.bisect_left(self.ids, article_id) if isinstance(article_id, str) else -1
        if 0 <= k < len(self.ids) and self.ids[k] == article_id and self._story[k] >= 0:
            return k
        raise KeyError(article_id)

    def __getitem__(self, article_id: str) -> dict[str, object]:
        return self._record(self._index(article_id))

    def records(self) -> Iterator[tuple[str, dict[str, object]]]:
        """(id, record) of every article, in order of id, each record made as it is read (not
        looked up by its id)."""
        for k in np.flatnonzero(self._story >= 0).tolist():
            yield self.ids[k], self._record(k)

    def _record(self, k: int) -> dict[str, object]:
        of, score = int(self._of[k]), float(self._score[k])
        return {
            "id": self.ids[self._story[k]],
            "role": ROLES[self._role[k]],
            "of": None if of < 0 else self.ids[of],
            "score": None if score != score else score,  # NaN is not equal to itself
        }

    def __contains__(self, article_id: object) -> bool:
        try:
            self._index(article_id)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return (self.ids[k] for k in self._order)

    def __len__(self) -> int:
        return len(self._order)


@dataclass
class Result:
    """Cluster objects for the corpus records and the evidence for ``clusters.json``."""

    clusters: Mapping[str, dict[str, object]] = field(default_factory=dict)  # `Clusters`
    report: Stories = field(default_factory=Stories)
    candidates: int = 0
    compared: int = 0  # candidate pairs scored by this run (the others were remembered)
    memo: dict[str, object] = field(default_factory=dict)
    # passages learned to be boilerplate: words, the number of articles, and where one is
    boilerplate: list[dict[str, object]] = field(default_factory=list)


TOPIC_BUCKET = 20  # a top word of more articles than this finds no pairs (it is common)


def topic_links(
    items: Sequence[Item],
    config: DedupConfig,
    ids: WordIds | None = None,
    known: Container[int] = (),
    groups: Sequence[int] = (),
) -> dict[tuple[int, int], float]:
    """Reports of one story in other words (independent translations of one statement): pairs
    whose most distinctive words (TF-IDF over the corpus, boilerplate left out) overlap and
    whose word vectors are close, dated within ``story_days``, and whose figures do not
    disagree. Candidates come from an index of each article's ``topic_words`` top words (a
    word at the top of more than ``TOPIC_BUCKET`` articles is left out), never from all pairs.
    Returns (i, j) -> cosine, for pairs not ``known`` (linked already, by their codes
    i * len(items) + j, i < j) and not of one duplicate group (``groups``: each item's, if
    given; such a link places no article). Vectorised: a word is counted once per passage."""
    flat, starts, owners, vocab, _ = ids or word_ids(items)
    n, size = len(items), len(vocab)
    if not len(flat) or n < 2:
        return {}
    terms = _Terms(flat, starts, owners, n, size)
    t_item, t_word = terms.top(config.topic_words)
    by_word = np.lexsort((t_item, t_word))
    t_item, t_word = t_item[by_word], t_word[by_word]
    edges = np.flatnonzero(np.diff(t_word)) + 1
    pieces = []
    for members in np.split(t_item, edges):
        if 2 <= len(members) <= TOPIC_BUCKET:
            i, j = _pairs_of(len(members))
            pieces.append(members[i] * n + members[j])
    if not pieces:
        return {}
    pairs, counts = np.unique(np.concatenate(pieces), return_counts=True)
    pairs = pairs[counts >= config.topic_shared]

    @functools.lru_cache(maxsize=2048)  # pairs come in order of their first article
    def vector(k: int) -> dict[int, float]:
        _, word, weight = terms.weighed(*terms.of(k))
        return dict(zip(word.tolist(), weight.tolist(), strict=True))

    @functools.cache
    def figures(k: int) -> set[str]:
        return {x for n in items[k].passages.numbers or () for x in n.split()}

    out = {}
    for code in (c for at in range(0, len(pairs), CHUNK) for c in pairs[at : at + CHUNK].tolist()):
        i, j = divmod(code, n)
        if min(i, j) * n + max(i, j) in known or (groups and groups[i] == groups[j]):
            continue
        if not _close_in_time(items[i], items[j], config) or entities_disagree(items[i], items[j]):
            continue
        fa, fb = figures(i), figures(j)
        if len(fa) >= 2 and len(fb) >= 2 and len(fa & fb) * 2 < min(len(fa), len(fb)):
            continue  # a template's other notice: its figures are not these
        va, vb = sorted((vector(i), vector(j)), key=len)  # the shorter one walked
        cosine = sum(v * vb[w] for w, v in va.items() if w in vb)  # the words both have
        if cosine >= config.topic_cosine:
            out[(min(i, j), max(i, j))] = cosine
    return out


TERM_CHUNK = 1 << 20  # words of the corpus counted (and weighed) at once (`_Terms`)
TERMS_HELD = 2_000_000  # words up to which a corpus's counts are held (24 MB at most)


class _Terms:
    """The items' words and their TF-IDF weights, from `WordIds`: a word's count in an item is
    the number of the item's passages with it, and its weight ``count * log(n / df)``, the
    item's vector normalised, over the words of more than one item. Counted a run of items
    at a time, in 32-bit numbers (the corpus's words are never copied whole); an item's
    weights are made again when asked for (`weighed`), never held for the whole corpus."""

    def __init__(
        self, flat: np.ndarray, starts: np.ndarray, owners: np.ndarray, n: int, size: int
    ) -> None:
        self.flat, self.n, self.size = flat, n, size
        self.ends = np.append(starts, len(flat))
        self.owners = owners
        self.cut = np.searchsorted(owners, np.arange(n + 1))  # each item's first passage
        self.bounds = self.ends[self.cut]  # ... and its first word
        self.df = np.zeros(size, dtype=np.int64)  # the number of items with each word
        # a corpus of at most `TERMS_HELD` words keeps its counts for `top` (not counted twice)
        self.held: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = (
            [] if len(flat) <= TERMS_HELD else None
        )
        for counted in self.counted():
            self.df += np.bincount(counted[1], minlength=size)
            if self.held is not None:
                self.held.append(counted)

    def counted(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(item, word, count), in order of item then word, a run of items at a time."""
        for part in _chunks(np.diff(self.bounds), TERM_CHUNK):
            first, last = part.start, part.stop  # items
            lo, hi = int(self.bounds[first]), int(self.bounds[last])
            if lo == hi:
                continue
            cut, ends = self.cut, self.ends
            passage = np.repeat(
                np.arange(cut[first], cut[last]), np.diff(ends[cut[first] : cut[last] + 1])
            )
            codes, tf = np.unique(
                self.owners[passage].astype(np.int64) * self.size + self.flat[lo:hi],
                return_counts=True,
            )
            del passage
            yield (
                (codes // self.size).astype(np.int32),
                (codes % self.size).astype(np.int32),
                tf.astype(np.int32),
            )

    def of(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(item, word, count) of item ``k`` alone, as `counted` gives them."""
        word, tf = np.unique(self.flat[self.bounds[k] : self.bounds[k + 1]], return_counts=True)
        return np.full(len(word), k, dtype=np.int32), word.astype(np.int32), tf.astype(np.int32)

    def weighed(
        self, item: np.ndarray, word: np.ndarray, tf: np.ndarray, most: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(item, word, weight) of the words of more than one item, each item's vector
        normalised, in order of item, then weight (heaviest first), then word. The words come
        in order of item, then word (`counted`, `of`): a stable sort by item and weight keeps
        that order among equal weights. ``most``: only an item's ``most`` heaviest words are
        asked for (some lighter ones may come after them)."""
        shared = self.df[word] > 1
        it, wd, t = item[shared], word[shared], tf[shared]
        if not len(it):
            return it, wd, np.zeros(0)
        base = int(it[0])
        local = it - base
        w = t * np.log(self.n / self.df[wd])
        norm = np.sqrt(np.bincount(local, weights=w**2))
        w = w / np.where(norm[local] > 0, norm[local], 1.0)
        if most is not None:  # the words lighter than an item's ``most`` heaviest left out
            heavy = _heaviest(local, w, most)
            it, wd, w, local = it[heavy], wd[heavy], w[heavy], local[heavy]
        # sorted by weight, then by item (both stable: equal weights stay in order of word); the
        # items of a run of fewer than 65,536 as 16-bit numbers, which numpy sorts by counting
        order = np.argsort(-w, kind="stable")
        items = local[order]
        if len(norm) <= NARROW_IDS:
            items = items.astype(np.uint16)
        order = order[np.argsort(items, kind="stable")]
        return it[order], wd[order], w[order]

    def top(self, topic_words: int) -> tuple[np.ndarray, np.ndarray]:
        """The item and word of each item's ``topic_words`` heaviest words."""
        top_items, top_words = [], []
        chunks, self.held = (self.counted() if self.held is None else self.held), None
        for counted in chunks:
            it, wd, _ = self.weighed(*counted, topic_words)
            if not len(it):
                continue
            starts = np.searchsorted(it, np.arange(int(it[0]), int(it[-1]) + 2))
            top = np.arange(len(it)) - starts[it - it[0]] < topic_words
            top_items.append(it[top])
            top_words.append(wd[top])
        if not top_items:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        return np.concatenate(top_items), np.concatenate(top_words)


def _heaviest(local: np.ndarray, w: np.ndarray, most: int) -> np.ndarray:
    """Which of the weights ``w`` (from 0 to 1, of the items ``local``, numbered from 0) are at
    least the ``most``-th heaviest of their item's, or close below it: a superset of each item's
    ``most`` heaviest, ties included. The ``most``-th weight of each item is read off one sort
    that is not stable (several times faster than the stable one it spares most weights): by
    ``4 * item - weight``, exact to a few units of the last place, hence the margin."""
    counts = np.bincount(local)
    if not len(counts) or counts.max() <= most:
        return np.ones(len(w), dtype=bool)
    order = np.argsort(local * 4.0 - w)
    starts = np.cumsum(counts) - counts
    least = np.full(len(counts), -np.inf)
    many = counts > most
    least[many] = w[order[starts[many] + most - 1]]
    return w >= least[local] - 1e-6


def _close_in_time(a: Item, b: Item, config: DedupConfig) -> bool:
    return a.day is None or b.day is None or abs(a.day - b.day) <= config.story_days


def _why_canonical(item: Item) -> str:
    date = f", dated {item.date}" if item.date else ""
    return (
        f"the most complete: {len(item.passages)} passages of content{date}, "
        f"{item.length} characters (the most passages, then the earliest, then the longest)"
    )


def _by_item(
    n: int, src: np.ndarray, dst: np.ndarray, order: np.ndarray
) -> Callable[[int], list[int]]:
    """For each of ``n`` items, the ``dst`` of its ``src`` entries in the order of ``order``: a
    function of the item. Held as two arrays (an item's slice of one sorted list), not a list
    or a dictionary per item."""
    by = np.lexsort((order, src))
    src, dst = src[by], dst[by]
    bounds = np.searchsorted(src, np.arange(n + 1)).tolist()
    return lambda k: dst[bounds[k] : bounds[k + 1]].tolist()


def _both_ways(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs x < y of ``n`` items, by their codes x * n + y, as (x, y) and (y, x): two arrays."""
    m = np.int64(max(n, 1))
    x, y = codes // m, codes % m
    return np.concatenate((x, y)), np.concatenate((y, x))


def _earlier_neighbours(
    n: int, candidates: np.ndarray, linked: np.ndarray, order: list[int]
) -> Callable[[int], list[int]]:
    """For each of ``n`` items, its candidates and ``linked`` items (pairs x < y by their
    codes x * n + y) that come before it in ``order``, in that order: a function of the item."""
    m = np.int64(max(n, 1))
    src, dst = _both_ways(
        np.unique(np.concatenate((candidates[:, 0] * m + candidates[:, 1], linked))), n
    )
    place = np.empty(n, dtype=np.int64)
    place[np.asarray(order, dtype=np.int64)] = np.arange(n)
    before = place[dst] < place[src]
    src, dst = src[before], dst[before]
    return _by_item(n, src, dst, place[dst])


def _neighbours(n: int, codes: np.ndarray) -> Callable[[int], list[int]]:
    """For each of ``n`` items, the items it is linked to by ``codes`` (pairs x < y by their
    codes x * n + y), in the order of the codes: a function of the item."""
    src, dst = _both_ways(codes, n)
    return _by_item(n, src, dst, np.tile(np.arange(len(codes)), 2))


def cluster(
    items: Sequence[Item],
    config: DedupConfig = DedupConfig(),
    memo: dict[str, object] | None = None,
    written: EarlierEvidence | None = None,
) -> Result:
    """Duplicate groups and story clusters over ``items`` (current and archived articles).

    ``memo`` holds the comparisons of an earlier run, keyed by the two items' digests: a pair of
    unchanged articles is not scored again (and its answers of `boilerplate`). The result's
    ``memo`` holds this run's candidates (and answers).
    ``written``: the stories an earlier run wrote, by their `evidence_key`: a story made from
    the same members, links and passages is taken as it was, its passages not quoted again.
    Only if it is given are the stories' keys made, and kept (`Stories.keys`).
    """
    items = sorted(items, key=lambda i: i.id)
    judged: dict[str, object] = {}
    learned = boilerplate(items, config, memo, judged)
    found = _examples(items, learned)
    items = [without(i, learned) for i in items]
    ids = word_ids(items)
    candidates = candidate_array(items, config, ids)
    memo = memo or {}
    result = Result(candidates=len(candidates), boilerplate=found, memo=judged)
    m = len(items)

    def code(x: int, y: int) -> int:
        """A pair of items, either way round, by one number: x * m + y for x < y."""
        return x * m + y if x < y else y * m + x

    overlaps: dict[int, Overlap] = {}  # the links, by the codes of their two items
    # identical texts: duplicates whatever their passages (a table, a two-line notice)
    same: dict[str, list[int]] = defaultdict(list)
    for k, item in enumerate(items):
        if item.exact:
            same[item.exact].append(k)
    for members in same.values():
        for x, y in itertools.combinations(members, 2):
            overlaps[code(x, y)] = Overlap(x, y, 100.0, True, (), "identical text")
    unlinked: set[int] = set()  # pairs compared (or remembered) and not linked

    digests = [item.digest for item in items]

    def overlap(x: int, y: int) -> Overlap | None:
        """The link between two candidates (x < y), compared once (or remembered)."""
        pair = x * m + y
        found = overlaps.get(pair)
        if found is not None or pair in unlinked:
            return found
        key = digests[x] + digests[y]
        value = result.memo.get(key)  # this run's comparisons, by the two items' digests
        if value is None:
            value = memo.get(key)
            if value is None:
                value = _memo_of(compare(items[x], items[y], config))
                result.compared += 1
            result.memo[key] = value
        if value:  # 0: compared, and no overlap
            found = _overlap_of(value, x, y)
            if found and (found.duplicate or _close_in_time(items[x], items[y], config)):
                overlaps[pair] = found
                return found
        unlinked.add(pair)
        return None

    order = sorted(range(len(items)), key=lambda k: items[k].rank())
    linked_codes = np.fromiter(overlaps, dtype=np.int64, count=len(overlaps))
    earlier = _earlier_neighbours(len(items), candidates, linked_codes, order)
    del linked_codes
    del candidates
    # duplicate groups: stars around the best-ranked article. In rank order, an article joins
    # the first centre before it with which it is a duplicate, or is a centre itself. Then it
    # is linked to its other candidates before it, except the members of its own group (a
    # group of n reposts is compared n times, not n squared: what links members to each
    # other places no article).
    group_of: dict[int, int] = {}
    groups: dict[int, list[int]] = {}
    for k in order:
        before = earlier(k)
        centre = next(
            (
                j
                for j in before
                if group_of[j] == j
                and (o := overlap(j, k) if j < k else overlap(k, j)) is not None
                and o.duplicate
            ),
            k,
        )
        group_of[k] = centre
        groups.setdefault(centre, []).append(k)
        for j in before:
            if group_of[j] != centre:
                overlap(j, k) if j < k else overlap(k, j)
    grouped = [group_of[k] for k in range(m)]  # a link inside a group places no article
    for (x, y), cosine in topic_links(items, config, ids, overlaps, grouped).items():
        if code(x, y) not in overlaps:
            why = f"the same story in other words: distinctive words agree (cosine {cosine:.2f})"
            overlaps[code(x, y)] = Overlap(x, y, round(100 * cosine, 1), False, (), why)
    neighbours = _neighbours(len(items), np.fromiter(overlaps, dtype=np.int64, count=len(overlaps)))

    # stories: stars of groups around the best-ranked group; a group joins if one of its
    # members is linked directly to a member of the centre's group
    story_of: dict[int, int] = {}
    stories: dict[int, list[int]] = {}
    # the evidence of a story: the link that placed each member (to its group's centre, or
    # the link that joined its group to the story), not every link among its members; so a
    # story of n articles has n - 1 links, and its outputs grow with n, not with n squared
    story_links: dict[int, list[Overlap]] = defaultdict(list)
    for k in order:
        if k not in groups or k in story_of:
            continue
        story_of[k] = k
        stories[k] = [k]
        for member in groups[k]:
            if member != k:
                story_links[k].append(overlaps[code(member, k)])
            for other in neighbours(member):
                g = group_of[other]
                if g not in story_of:
                    story_of[g] = k
                    stories[k].append(g)
                    story_links[k].append(overlaps[code(member, other)])
                    story_links[k] += [overlaps[code(x, g)] for x in groups[g] if x != g]
    clusters = Clusters([i.id for i in items])
    result.clusters = clusters
    for centre, heads in stories.items():
        canon = items[centre]
        members = [x for g in heads for x in groups[g]]
        for x in members:
            g = group_of[x]
            if x == centre:
                clusters.set(x, centre, "canonical", None, None)
            elif g != x:
                clusters.set(x, centre, "duplicate", g, overlaps[code(x, g)].score)
            else:
                o = overlaps.get(code(x, centre)) or max(
                    (o for y in groups[centre] if (o := overlaps.get(code(x, y))) is not None),
                    key=lambda o: o.score,
                    default=None,
                )
                clusters.set(x, centre, "related", centre, o.score if o else None)
        if len(members) > 1:
            evidence = story_links[centre]
            canonical = {"id": canon.id, "why": _why_canonical(canon)}
            key = None  # made only for a run that keeps its stories' keys for the next
            if written is not None:
                key = evidence_key(items, members, evidence, clusters._record, canonical)
            taken = written(canon.id, key) if key is not None else None
            if taken is not None:
                result.report.add_text(canon.id, taken[0], key, taken[1])
                continue
            found = _evidence(items, members, evidence, result.clusters)
            found["canonical"] = canonical
            result.report.add(canon.id, found, key)  # held as its text from here on
    return result


def evidence_key(
    items: Sequence[Item],
    members: list[int],
    overlaps: Sequence[Overlap],
    record: Callable[[int], Mapping[str, object]],  # an item's cluster record, by its index
    canonical: Mapping[str, str],
) -> str:
    """A hash of everything a story's evidence (`_evidence`) is made from: its members (ids,
    records, archived or not), its canonical, its links (the two articles, duplicate or not,
    score, why) and, for their passages, the digests of the two articles (which decide the
    passage pairs a comparison gives, as for remembered comparisons) and the places of their
    passages. A story whose key has not changed has the evidence the last run wrote."""
    listed = _listed(items, members, record)
    links = sorted(
        (
            items[o.a].id,
            items[o.b].id,
            o.duplicate,
            o.score,
            o.why,
            items[o.a].digest,
            items[o.b].digest,
        )
        for o in overlaps
    )
    linked = sorted({k for o in overlaps for k in (o.a, o.b)}, key=lambda k: items[k].id)
    places = b"".join(items[k].passages.places().tobytes() for k in linked)
    counts = [len(items[k].passages) for k in linked]
    return content_key(compact([listed, links, canonical, counts]), places.hex()).hex()


def _evidence(
    items: Sequence[Item], members: list[int], overlaps: Iterable[Overlap], clusters: dict
) -> dict[str, object]:
    """The members of a story and what links them: each link (two articles, duplicate or not,
    and why) and its matching passages."""
    passages = []
    links = []
    places: dict[int, memoryview] = {}  # an item's passages' places, read once

    def places_of(k: int) -> memoryview:
        if k not in places:
            places[k] = items[k].passages.places()
        return places[k]

    for o in sorted(overlaps, key=lambda o: (items[o.a].id, items[o.b].id)):
        a, b = items[o.a].id, items[o.b].id
        links.append({"a": a, "b": b, "duplicate": o.duplicate, "score": o.score, "why": o.why})
        pa, pb = places_of(o.a), places_of(o.b)
        quoted = None
        if isinstance(o.pairs, list):  # remembered: lists of [i, j, score], read as they are
            with contextlib.suppress(TypeError):  # (unless not whole numbers: made so below)
                quoted = _quoted(a, b, pa, pb, o.pairs)
        passages += _quoted(a, b, pa, pb, _triples(o.pairs)) if quoted is None else quoted
    return {
        "members": _listed(items, members, lambda i: clusters[items[i].id]),
        "links": links,
        "passages": passages,
    }


def _listed(
    items: Sequence[Item], members: list[int], record: Callable[[int], Mapping[str, object]]
) -> list[dict[str, object]]:
    """A story's members as its evidence lists them, in order of id: each one's id, role, the
    article it is a duplicate of (or related to) and score (its cluster ``record``, made when
    asked for: once a member), archived or not."""
    listed = []
    for i in sorted(members, key=lambda i: items[i].id):
        made = record(i)
        listed.append(
            {
                "id": items[i].id,
                **{k: made[k] for k in ("role", "of", "score")},
                "archived": items[i].archived,
            }
        )
    return listed


def _quoted(
    a: str, b: str, pa: memoryview, pb: memoryview, pairs: Iterable[Sequence[float]]
) -> list[dict[str, object]]:
    """The passages of a link of ``a`` and ``b`` (their passages' places ``pa`` and ``pb``),
    from its (passage of a, passage of b, score) ``pairs``."""
    return [
        {
            "a": a,
            "a_paragraph": pa[3 * i],
            "a_span": [pa[3 * i + 1], pa[3 * i + 2]],
            "b": b,
            "b_paragraph": pb[3 * j],
            "b_span": [pb[3 * j + 1], pb[3 * j + 2]],
            "score": round(float(score), 1),
        }
        for i, j, score in pairs
    ]


def item_of(
    article: Article,
    stopwords: frozenset[str],
    config: DedupConfig,
    paragraphs: list[str] | None = None,  # the article's clean paragraphs, if already made
    numbers: Mapping[str, str] = {},  # the language's number words (`Rules.number_words_for`)
) -> Item:
    paragraphs = clean_paragraphs(article) if paragraphs is None else paragraphs
    title = clean_title(article)
    title_words = content_words(title, stopwords, config.stem, numbers)
    return Item(
        id=article.id,
        length=sum(len(p) for p in paragraphs),
        flags=sum(1 for e in article.edits if e.action == "flag"),
        date=article.date,
        passages=passages_of(paragraphs, stopwords, config, numbers),
        title=" ".join([*title_words, *numbers_of(title, numbers).split()]),
        entities=" ".join(sorted({m.entity for m in article.entities})),
        exact=exact_key(title, "\n".join(paragraphs)),
    )


def config_digest(config: DedupConfig) -> str:
    """Remembered comparisons hold only for the thresholds they were made with."""
    return hashlib.blake2b(repr(config).encode(), digest_size=8).hexdigest()


STATE_VERSION = 4
MEMO_CHUNK = 4096  # remembered comparisons written at once (`State.chunks`)
STATE_HEAD = f'{{"version": {STATE_VERSION}, "articles": {{\n'  # then one article a line


class Written:
    """The state the last run wrote, as read (`read_state`): each article's line (`Lines`), and
    what the line's article was made from and to, so that an article the next state keeps as it
    was is copied as written, not made into text again."""

    def __init__(self, lines: Lines, made: dict[str, tuple[str, str]]) -> None:
        self.lines = lines
        self.made = made  # id -> (made_from, digest) of the article on its line

    def line(self, item: Item) -> str | None:
        """The line ``item`` had in the state, if it is the same item (made from the same
        article and settings, to the same digest): else None."""
        if not item.made_from or self.made.get(item.id) != (item.made_from, item.digest):
            return None
        return self.lines.text(item.id)

    def close(self) -> None:
        self.lines.close()


def read_state(path: Any) -> tuple[dict, Written | None]:
    """The state in ``path`` (``dedup-state.json``), parsed ({} if there is none, or it is not
    JSON), and its articles' lines (None: not a version 4 state as `State` writes it, whose
    lines are then not copied)."""
    try:
        handle = open(path, "rb", buffering=1 << 16)  # noqa: SIM115 (held by `Written`)
    except OSError:
        return {}, None
    try:
        raw = handle.read()
        data = parse(raw)
    except (OSError, ValueError):
        data = None
    articles = data.get("articles") if isinstance(data, dict) else None
    head = STATE_HEAD.encode()
    spans = None
    if isinstance(articles, dict) and raw.startswith(head):
        spans = entry_lines(raw, len(head), articles)
    if spans is None:
        handle.close()
        return (data if isinstance(data, dict) else {}), None
    made = {
        k: (v["made_from"], v["digest"])
        for k, v in articles.items()
        if isinstance(v, dict)
        and isinstance(v.get("made_from"), str)
        and isinstance(v.get("digest"), str)
    }
    return data, Written(Lines(handle, spans), made)


@dataclass(frozen=True)
class State:
    """What the next run needs to match new articles against these, ``dedup-state.json``: the
    articles' passages, the boilerplate learned from them (learned again by each run), and the
    comparisons already made. Made into text a piece at a time as it is written (`chunks`):
    the state is never held as one text, nor as one structure of Python lists, beside the
    items it is made from. An article a line: one the last state (``written``) had as it is
    now is copied from it."""

    items: Sequence[Item]
    memo: Mapping[str, object] | None = None
    config: DedupConfig | None = None
    learned: Sequence[dict[str, object]] = ()
    written: Written | None = None

    def chunks(self) -> Iterator[str]:
        """The text of the state, an article at a time."""
        yield STATE_HEAD
        written = self.written
        for n, i in enumerate(sorted(self.items, key=lambda i: i.id)):
            line = written.line(i) if written is not None else None
            if line is None:
                line = f"{compact(i.id)}: {compact(i.to_state())}"
            yield f",\n{line}" if n else line
        learned = {str(e["words"]): e["articles"] for e in self.learned}
        yield f'\n}}, "boilerplate": {compact(learned)}'
        if self.memo is not None and self.config is not None:
            yield f', "comparisons": {{"config": {compact(config_digest(self.config))}, "pairs": {{'
            keys = sorted(self.memo)
            for at in range(0, len(keys), MEMO_CHUNK):  # a run of entries a call to the encoder
                part = {k: _memo_json(self.memo[k]) for k in keys[at : at + MEMO_CHUNK]}
                yield ("," if at else "") + compact(part)[1:-1]
            yield "}}"
        yield "}\n"

    def text(self) -> str:
        return "".join(self.chunks())


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
) -> tuple[Result, State]:
    """Cluster this run's articles together with the articles of earlier runs.

    Returns the result and the new state (``dedup-state.json``, `State`); an
    earlier article that is not in this run stays in the state (archived), so a repost arriving
    later still finds its canonical. ``memo``: the comparisons an earlier run made
    (`memo_from_state`).
    """
    current = {
        a.id: item_of(
            a, rules.stopwords_for(a.language), config, None, rules.number_words_for(a.language)
        )
        for a in articles
    }
    return deduplicate_items(current, earlier, config, memo)


def deduplicate_items(
    current: dict[str, Item],
    earlier: dict[str, Item] | None = None,
    config: DedupConfig = DedupConfig(),
    memo: dict[str, object] | None = None,
    stories: EarlierEvidence | None = None,
) -> tuple[Result, State]:
    """`deduplicate` from the articles' items (`item_of`): what a run keeps of each article.
    ``stories``: the stories the last run wrote (`cluster`)."""
    merged = {**(earlier or {}), **current}
    try:
        result = cluster(list(merged.values()), config, memo, stories)
    finally:
        _kept_pairs.clear()  # what `kept_scores` kept serves one de-duplication
        _kept_looks[:] = [0, 0]
    return result, State(list(merged.values()), result.memo, config, result.boilerplate)
