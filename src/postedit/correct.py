"""The rule engine: find what the rules of a pack set change in one paragraph of text.

Literal rules (``substitution``) are matched in one pass: the text is tokenised once and every
run of up to N tokens is looked up in one dictionary built from all the packs, so the cost does
not grow with the number of names. Regex and boilerplate rules run one pattern each, with a
timeout. Overlapping fixes are resolved deterministically: leftmost, then longest, then higher
confidence, then pack order.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import regex

from . import frequency
from .grammar import zipf
from .memo import content_key
from .prefilter import cannot_match
from .rules import (
    FUSED,
    REGEX_TIMEOUT,
    TOKEN_RE,
    Context,
    Rule,
    Words,
    fold,
    name_form,
    normalise_line,
    tokens,
    word_key,
)

SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|$)")
NO_CONTEXT = Context()
EXCEPTION_WORDS = 5  # words on each side (within the sentence) that make an exception's context


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or line) of ``text`` that holds ``start:end``."""
    lo = max(text.rfind("\n", 0, start) + 1, 0)
    for m in SENTENCE_END.finditer(text, lo, start):
        lo = m.end()
    newline = text.find("\n", end)
    hi = len(text) if newline < 0 else newline
    m = SENTENCE_END.search(text, end, hi)
    return lo, (m.end() if m else hi)


def exception_key(text: str, start: int, end: int) -> tuple[str, str, str]:
    """What an exception records of a change's context: the text it changes and up to
    `EXCEPTION_WORDS` words on each side within its sentence, white space folded."""
    lo, hi = sentence_around(text, start, end)
    return (
        fold(text[start:end]),
        " ".join(text[lo:start].split()[-EXCEPTION_WORDS:]),
        " ".join(text[end:hi].split()[:EXCEPTION_WORDS]),
    )


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule's match in a paragraph: offsets local to the paragraph text."""

    rule: Rule
    start: int
    end: int
    after: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """The text a stage reads, with the facts about its place in the article that rules may ask."""

    text: str
    index: int = 0  # position among the body paragraphs (-1 for the title)
    count: int = 1  # number of body paragraphs
    before: str = ""  # the paragraphs just before this one, for context ``within: before``
    after: str = ""  # the paragraphs just after it (a quotation may go on into them)


class Tokens:
    """Word tokens of a text with their offsets, and the sentence each falls in."""

    def __init__(self, text: str, before: str = "") -> None:
        spans = [m.span() for m in TOKEN_RE.finditer(text)]
        self._before_text = before
        self.text = text
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]
        if text.isascii():  # `word_key` of each token: its lower case (no typographic marks)
            lowered = text.lower()
            self.words = [lowered[start:end] for start, end in spans]
        else:
            self.words = [word_key(text[start:end]) for start, end in spans]

    @functools.cached_property
    def sentence(self) -> list[int]:
        """The sentence number of each token (read only by contexts ``within: sentence``)."""
        ends = [m.end() for m in SENTENCE_END.finditer(self.text)]
        return [bisect.bisect_right(ends, s) for s in self.starts]

    @functools.cached_property
    def before(self) -> list[str]:
        """The words of the paragraphs before (read only by rules with ``within: before``)."""
        return tokens(self._before_text)

    @functools.cached_property
    def index(self) -> WordIndex:
        return WordIndex(self.words)

    @functools.cached_property
    def before_index(self) -> WordIndex:
        return WordIndex(self.before)

    def index_at(self, offset: int) -> int:
        """Index of the first token that ends after ``offset``."""
        return bisect.bisect_right(self.ends, offset)

    def sentence_bounds(self, i: int, j: int) -> tuple[int, int]:
        """Token range [lo, hi) of the sentence(s) containing tokens i..j-1."""
        if not self.words:
            return 0, 0
        si = self.sentence[min(i, len(self.words) - 1)]
        sj = self.sentence[max(min(j - 1, len(self.words) - 1), 0)]
        lo = bisect.bisect_left(self.sentence, si)
        hi = bisect.bisect_right(self.sentence, sj)
        return lo, hi


def preserve_case(matched: str, replacement: str) -> str:
    """Give ``replacement`` the case pattern of ``matched`` (UPPER, Capitalised or as written)."""
    if not replacement:
        return replacement
    letters = [c for c in matched if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return replacement.upper()
    if letters and matched.lstrip()[:1].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


_TRAILING = re.compile(r"\W+$")
MAX_GAP = 3  # characters of punctuation and space a phrase may have between two of its words


class LiteralIndex:
    """Every literal phrase of every substitution rule, keyed by its casefolded token tuple."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.entries: dict[tuple[str, ...], list[tuple[Rule, str, str]]] = {}
        self.prefixes: set[tuple[str, ...]] = set()
        self.longest = 0
        for rule in rules:
            for phrase in rule.phrases:
                key = tuple(tokens(phrase))
                suffix = m.group() if (m := _TRAILING.search(phrase)) else ""
                self.entries.setdefault(key, []).append((rule, phrase, suffix))
                self.longest = max(self.longest, len(key))
                for n in range(1, len(key)):
                    self.prefixes.add(key[:n])

    def find(self, toks: Tokens) -> list[tuple[Rule, int, int]]:
        """(rule, start, end) of every phrase found, in text order."""
        found = []
        words, text = toks.words, toks.text
        for i in range(len(words)):
            key: tuple[str, ...] = ()
            for j in range(i, min(i + self.longest, len(words))):
                if j > i and toks.starts[j] - toks.ends[j - 1] > MAX_GAP:
                    break
                key += (words[j],)
                for rule, phrase, suffix in self.entries.get(key, ()):
                    start, end = toks.starts[i], toks.ends[j]
                    if suffix and text.startswith(suffix, end):
                        end += len(suffix)
                    if self._same(rule, phrase, text[start:end]):
                        found.append((rule, start, end))
                if key not in self.prefixes:
                    break
        return found

    @staticmethod
    def _same(rule: Rule, phrase: str, matched: str) -> bool:
        """The tokens agree; do the spaces and punctuation between them, and the case?"""
        if rule.case == "canonical":
            return name_form(matched) == name_form(phrase)
        a, b = " ".join(matched.split()), " ".join(phrase.split())
        return a == b if rule.case == "sensitive" else a.casefold() == b.casefold()


def _has_words(toks: Tokens, group: Words, i: int, j: int) -> bool:
    """Does any phrase of ``group`` occur near tokens i..j-1 (the match itself excluded)?"""
    if group.within == "sentence":
        lo, hi = toks.sentence_bounds(i, j)
    elif group.within in ("paragraph", "before"):
        lo, hi = 0, len(toks.words)
        if group.within == "before" and _in(toks.before_index, group, 0, len(toks.before)):
            return True
    else:
        lo, hi = max(0, i - int(group.within)), min(len(toks.words), j + int(group.within))
    return _in(toks.index, group, lo, hi, (i, j))


SCAN = 64  # a window of at most this many words is scanned; a longer one is looked up


class WordIndex:
    """Where each word of a token list occurs, built on first use: a phrase is then found in a
    window of any length by looking up its words, not by reading the window, so that checking
    every hit of a long paragraph costs what the hits cost, not hits × paragraph."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self._at: dict[str, list[int]] | None = None
        self._prefixed: dict[str, list[int]] = {}

    def at(self, pattern: str) -> list[int]:
        """Sorted positions of the words ``pattern`` matches (a trailing ``*``: a prefix)."""
        if self._at is None:
            self._at = {}
            for k, word in enumerate(self.words):
                self._at.setdefault(word, []).append(k)
        if not pattern.endswith("*"):
            return self._at.get(pattern, [])
        if pattern not in self._prefixed:
            stem = pattern[:-1]
            self._prefixed[pattern] = sorted(
                k for word, ks in self._at.items() if word.startswith(stem) for k in ks
            )
        return self._prefixed[pattern]


def _in(index: WordIndex, group: Words, lo: int, hi: int, skip: tuple[int, int] = (0, 0)) -> bool:
    """Does a phrase of ``group`` occur in ``words[lo:hi]``, outside ``words[skip]``?"""
    if hi - lo <= SCAN:
        return _scan(index.words, group, lo, hi, skip)
    i, j = skip
    if any(_occurs(index.at(w), lo, hi, i, j) for w in group.singles):
        return True
    for phrase in group.others:
        n = len(phrase)
        # the phrase's rarest word anchors the search
        m, anchor = min(enumerate(phrase), key=lambda mp: len(index.at(mp[1])))
        positions = index.at(anchor)
        start = bisect.bisect_left(positions, lo + m)
        for at in itertools.islice(positions, start, None):
            k = at - m
            if k + n > hi:
                break
            if i <= k < j or i <= k + n - 1 < j:
                continue
            if all(_word_is(index.words[k + q], p) for q, p in enumerate(phrase)):
                return True
    return False


def _occurs(positions: list[int], lo: int, hi: int, i: int, j: int) -> bool:
    """Is a position in [lo, hi) and outside [i, j)?"""
    a = bisect.bisect_left(positions, lo)
    if a < len(positions) and positions[a] < min(hi, i):
        return True
    b = bisect.bisect_left(positions, max(lo, j))
    return b < len(positions) and positions[b] < hi


def _scan(words: list[str], group: Words, lo: int, hi: int, skip: tuple[int, int]) -> bool:
    """`_in` by reading the window word by word (for short windows)."""
    i, j = skip
    singles = group.singles
    if singles and any(
        w in singles
        for w in itertools.chain(words[lo : min(hi, max(lo, i))], words[max(lo, j) : hi])
    ):
        return True
    for phrase in group.others:
        n = len(phrase)
        for k in range(lo, hi - n + 1):
            if i <= k < j or i <= k + n - 1 < j:
                continue
            if all(_word_is(words[k + m], p) for m, p in enumerate(phrase)):
                return True
    return False


def _word_is(word: str, pattern: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


def _search(pattern: regex.Pattern[str], text: str, pos: int, endpos: int) -> bool:
    try:
        return pattern.match(text, pos, endpos, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        return False


def context_allows(ctx: Context, toks: Tokens, start: int, end: int) -> bool:
    text = toks.text
    i = toks.index_at(start)
    j = max(toks.index_at(end - 1) + 1, i + 1) if end > start else i
    if ctx.preceded_by and not _lookbehind(ctx.preceded_by, text, start):
        return False
    if ctx.not_preceded_by and _lookbehind(ctx.not_preceded_by, text, start):
        return False
    if ctx.followed_by and not _search(ctx.followed_by, text, end, len(text)):
        return False
    if ctx.not_followed_by and _search(ctx.not_followed_by, text, end, len(text)):
        return False
    if any(not _has_words(toks, g, i, j) for g in ctx.require):
        return False
    return not any(_has_words(toks, g, i, j) for g in ctx.forbid)


@functools.lru_cache(maxsize=4096)
def _anchored_end(pattern: regex.Pattern[str]) -> regex.Pattern[str]:
    return regex.compile(f"(?:{pattern.pattern})\\Z", pattern.flags)


def _lookbehind(pattern: regex.Pattern[str], text: str, start: int) -> bool:
    """Does ``pattern`` match text that ends exactly where the match starts?"""
    window = text[max(0, start - 200) : start]
    try:
        return _anchored_end(pattern).search(window, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        return False


MATCHES_KEPT = 8192  # distinct paragraph texts whose pattern matches a `Matcher` keeps


K = TypeVar("K")
V = TypeVar("V")


def _kept_new(kept: dict[K, V], key: K, value: V) -> V:
    """``kept[key] = value``, the oldest entry dropped first once `MATCHES_KEPT` are held."""
    if len(kept) >= MATCHES_KEPT:
        del kept[next(iter(kept))]
    kept[key] = value
    return value


Matches = tuple[tuple[int, int, str], ...]  # (start, end, replacement) of each match
_UNSEEN: Any = object()  # a pattern not yet run over a text (`MatchStore`)


class MatchStore:
    """The patterns' matches in the last `MATCHES_KEPT` texts, oldest text first: per text, a
    slot per rule with a pattern (its matches; None where it ran over `REGEX_TIMEOUT`), a list
    where a mapping by rule would take several times the memory. The matchers of one set of
    packs share one: a rule's matches depend on its pattern and the text alone."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.slots = {r.id: n for n, r in enumerate(r for r in rules if r.pattern is not None)}
        self.texts: dict[str, list[Matches | None]] = {}

    def of(self, text: str) -> list[Matches | None]:
        """The slots of ``text`` (new ones if it is not kept)."""
        kept = self.texts.get(text)
        if kept is None:
            kept = _kept_new(self.texts, text, [_UNSEEN] * len(self.slots))
        return kept


class Matcher:
    """All rules that apply to one (language, source language) pair, ready to run."""

    def __init__(self, rules: Sequence[Rule], matches: MatchStore | None = None) -> None:
        self.rules = tuple(rules)
        self.literals = LiteralIndex([r for r in rules if r.kind == "substitution"])
        self.patterns = [r for r in rules if r.kind == "regex"]
        self.boilerplate = [r for r in rules if r.kind == "boilerplate"]
        self.balance = [r for r in rules if r.kind == "balance"]
        self.fused = [r for r in rules if r.kind == "fused-words"]
        # the built-in repairs the packs turn on, by name (`postedit.rules.BUILTIN_REPAIRS`)
        self.repairs = {r.repair: r for r in rules if r.kind == "repair" and r.repair}
        self.timed_out: list[str] = []  # rules that gave up on a paragraph (read and cleared)
        # the patterns' matches by text (`_matches`), shared by the matchers of one set of packs
        self._kept = MatchStore(rules) if matches is None else matches
        # what of a paragraph's surroundings the rules read (`context_of`)
        self._before_readers = {
            r.id
            for r in self.rules
            if any(g.within == "before" for g in (*r.context.require, *r.context.forbid))
        }
        self.reads_before = bool(self.balance) or bool(self._before_readers)
        # (text, is title) -> what `hits` finds there that the text alone decides, oldest first
        self._local: dict[tuple[str, bool], tuple[tuple[tuple[Hit, bool], ...], tuple[str, ...]]]
        self._local = {}
        # text -> the boilerplate rules with hits there, and their hits (`boilerplate_hits`)
        self._boilerplate: dict[str, tuple[tuple[Rule, tuple[Hit, ...]], ...]] = {}
        self.reads_after = bool(self.balance)
        self.digest = content_key(*(repr(r) for r in self.rules))

    def context_of(self, para: Paragraph) -> tuple[object, ...]:
        """Everything `hits` reads of ``para``: two paragraphs with the same context get the
        same hits (the key of `postedit.memo`). Its place in the article counts only as title or
        body (the boilerplate rules, which read more of it, are not run by `hits`)."""
        return (
            self.digest,
            para.text,
            para.index < 0,
            para.before if self.reads_before else None,
            para.after if self.reads_after else None,
        )

    def boilerplate_hits(self, para: Paragraph) -> list[Hit]:
        """The boilerplate rules' hits in ``para``, each rule's that its place allows (a rule
        with ``last`` only among the last paragraphs, never in the title). What a text holds is
        kept for the last `MATCHES_KEPT` texts: a site's footer is in each of its articles."""
        found = self._boilerplate.get(para.text)
        if found is None:
            found = _kept_new(self._boilerplate, para.text, self._boilerplate_in(para.text))
        if not found:
            return []
        from_end = para.count - para.index
        return [
            hit
            for rule, hits in found
            if rule.last is None or (para.index >= 0 and from_end <= rule.last)
            for hit in hits
        ]

    def _boilerplate_in(self, text: str) -> tuple[tuple[Rule, tuple[Hit, ...]], ...]:
        """Each boilerplate rule's hits in ``text`` wherever it stands, for the rules with any."""
        out = []
        norm = normalise_line(text)
        for rule in self.boilerplate:
            if norm in rule.paragraphs:
                out.append((rule, (Hit(rule, 0, len(text), ""),)))
            elif rule.pattern is not None and (hits := self._regex_hits(rule, text, None)):
                out.append((rule, tuple(hits)))
        return tuple(out)

    def hits(self, para: Paragraph) -> list[Hit]:
        """Every match of the substitution and regex rules, context checked, overlaps kept.

        What the text alone decides is kept for the last `MATCHES_KEPT` texts (`_local_hits`):
        the same paragraph in another article, after other paragraphs, has only the checks that
        read its surroundings made again."""
        title = para.index < 0
        local = self._local.get((para.text, title))
        if local is None:
            local = _kept_new(self._local, (para.text, title), self._local_hits(para.text, title))
        found, timed_out = local
        self.timed_out.extend(timed_out)
        toks = None
        out = []
        for hit, later in found:
            if later:  # a context that reads the paragraphs before: checked with them
                toks = toks or Tokens(para.text, para.before)
                if not context_allows(hit.rule.context, toks, hit.start, hit.end):
                    continue
            out.append(hit)
        for rule in self.balance:
            if _placed(rule, title):
                marks = unbalanced(para.text, rule.pairs, para.before, para.after)
                out.extend(Hit(rule, s, s + 1, "") for s in marks)
        return [
            h
            for h in out
            if not h.rule.exceptions
            or exception_key(para.text, h.start, h.end) not in h.rule.exceptions
        ]

    def _local_hits(
        self, text: str, title: bool
    ) -> tuple[tuple[tuple[Hit, bool], ...], tuple[str, ...]]:
        """The hits the text decides, in rule order, each with whether its rule's context reads
        the paragraphs before (then it is a candidate, checked by `hits`); and the rules whose
        pattern ran over `REGEX_TIMEOUT` on it."""
        toks = Tokens(text)
        out: list[tuple[Hit, bool]] = []
        timed_out: list[str] = []
        for rule, start, end in self.literals.find(toks):
            if not _placed(rule, title):
                continue
            later = rule.id in self._before_readers
            if later or context_allows(rule.context, toks, start, end):
                after = rule.replace if rule.replace is not None else ""
                if rule.unchanged and name_form(text[start:end]) in rule.unchanged:
                    after = text[start:end]  # a form the rule shields and leaves alone
                elif rule.case == "preserve":
                    after = preserve_case(text[start:end], after)
                out.append((Hit(rule, start, end, after), later))
        for rule in self.patterns:
            if not _placed(rule, title):
                continue
            later = rule.id in self._before_readers
            if later:
                found = self._matches(rule, text)
                hits = None if found is None else [Hit(rule, *m) for m in found]
            else:
                hits = self._regex_hits(rule, text, toks)
            if hits is None:
                timed_out.append(rule.id)
            else:
                out.extend((h, later) for h in hits)
        for rule in self.fused:
            if _placed(rule, title):
                later = rule.id in self._before_readers
                for start, end, after in fused_words(text, rule):
                    if later or context_allows(rule.context, toks, start, end):
                        out.append((Hit(rule, start, end, after), later))
        return tuple(out), tuple(timed_out)

    def _regex_hits(self, rule: Rule, text: str, toks: Tokens | None) -> list[Hit] | None:
        """The rule's hits, or None if its pattern ran over `REGEX_TIMEOUT` on this text.
        ``toks``: the text's tokens if the caller has them (else made if a context asks)."""
        found = self._matches(rule, text)
        if found is None:
            return None
        if rule.context == NO_CONTEXT:
            return [Hit(rule, start, end, after) for start, end, after in found]
        out = []
        for start, end, after in found:
            toks = toks or Tokens(text)
            if context_allows(rule.context, toks, start, end):
                out.append(Hit(rule, start, end, after))
        return out

    def _matches(self, rule: Rule, text: str) -> Matches | None:
        """The pattern's matches in ``text`` as (start, end, replacement), before any context
        check; None if it ran over `REGEX_TIMEOUT`. They depend on the text alone, so they are
        kept for the last `MATCHES_KEPT` texts: the boilerplate rules read them at each place a
        paragraph takes, and a rule's second look at a paragraph finds them (`hits` keeps its
        own results by text: `_local_hits`)."""
        kept = self._kept.of(text)
        slot = self._kept.slots[rule.id]
        if kept[slot] is not _UNSEEN:
            return kept[slot]
        assert rule.pattern is not None
        if cannot_match(rule.pattern, text):
            kept[slot] = ()  # the text lacks what every match holds (`postedit.prefilter`)
            return ()
        found: list[tuple[int, int, str]] | None = []
        try:
            for m in rule.pattern.finditer(text, timeout=REGEX_TIMEOUT):
                after = m.expand(rule.replace) if rule.replace else ""
                if m.end() > m.start() or after:  # an empty match only inserts
                    found.append((m.start(), m.end(), after))
        except TimeoutError:
            found = None  # a pattern that runs away on this text makes no change here
        kept[slot] = None if found is None else tuple(found)
        return kept[slot]


KNOWN = 1.0  # Zipf frequency from which a word is a word of the language (wordfreq)
CLEAR = 1.0  # how much more common the best split's rarer part must be than the next split's


def fused_words(text: str, rule: Rule) -> list[tuple[int, int, str]]:
    """Lower-case words of ``text`` that the rule's word list does not know and that split into
    two words it knows well (each at least ``rule.common`` on the Zipf scale), one way more
    clearly than any other: (start, end, the two words with a space)."""
    out = []
    common = common_words(rule.wordlist, rule.common)
    # a word the list holds as common is known too (`KNOWN` lies far below any `common`)
    known = common if rule.common >= KNOWN + 1 else frozenset()
    for m in FUSED.finditer(text):
        word = m.group()
        if word in known or zipf(word, rule.wordlist) >= KNOWN:
            continue
        splits = sorted(
            (
                (min(zipf(word[:i], rule.wordlist), zipf(word[i:], rule.wordlist)), i)
                for i in range(3, len(word) - 2)
                if word[:i] in common
                and word[i:] in common
                and word[:i] not in rule.prefixes
                and word[i:] not in rule.suffixes
            ),
            reverse=True,
        )
        if not splits or _typo(word, common):
            continue
        if len(splits) > 1 and splits[0][0] - splits[1][0] < CLEAR:
            continue  # two ways to read it: not a guess to make
        i = splits[0][1]
        out.append((m.start(), m.end(), f"{word[:i]} {word[i:]}"))
    return out


@functools.lru_cache(maxsize=8)
def common_words(wordlist: str, common: float) -> frozenset[str]:
    """The words of ``wordlist`` (wordfreq) at least ``common`` on the Zipf scale, as a set:
    what the search for fused words and misspellings looks up hundreds of times per word."""
    return frequency.common_words(wordlist, common)


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo(word: str, common: frozenset[str]) -> bool:
    """Is ``word`` one letter away (added, dropped, changed or two swapped) from a common word?
    Then it is a misspelling ("spokeman", "governmet"), not two words run together."""
    letters = sorted(set(LETTERS) | set(word))
    for i in range(len(word) + 1):
        left, right = word[:i], word[i:]
        if any(left + c + right in common for c in letters):
            return True
        if right and (
            left + right[1:] in common
            or any(left + c + right[1:] in common for c in letters if c != right[0])
        ):
            return True
        if len(right) > 1 and left + right[1] + right[0] + right[2:] in common:
            return True
    return False


def _placed(rule: Rule, title: bool) -> bool:
    return rule.where == "any" or (rule.where == "title") == title


def unbalanced(text: str, pairs: tuple[str, ...], before: str = "", after: str = "") -> list[int]:
    """Offsets of opening marks never closed and closing marks never opened in ``text``.

    Each pair is two characters; where both are the same (``"``), marks alternate open/close.
    Curly and straight double quotes are one family (with both pairs given): a straight quote
    closes whatever quote is open, else opens one, so a quotation typed with both kinds is
    judged as one. A quotation may run over paragraphs, as news writes them: a mark that
    ``before`` (the paragraphs just before) left open may close here, one left open here may
    close in ``after``, and a paragraph that goes on with an open quotation may begin with the
    opening mark again.
    """
    found: list[int] = []
    families = [(p[0], p[1], "") for p in pairs if p not in ('""', "“”")]
    if '""' in pairs and "“”" in pairs:
        families.append(("“", "”", '"'))
    elif '""' in pairs:
        families.append(('"', '"', ""))
    elif "“”" in pairs:
        families.append(("“", "”", ""))
    for opening, closing, neutral in families:
        carried = len(_open_marks(before, opening, closing, neutral))
        stack = _open_marks(text, opening, closing, neutral, carried, found)
        if stack:  # left open here: closed in the paragraphs after?
            closes = _open_marks(after, opening, closing, neutral, len(stack), None, True)
            stack = stack[: max(0, len(stack) - len(closes))]
        found.extend(stack)
    return sorted(found)


def _open_marks(
    text: str,
    opening: str,
    closing: str,
    neutral: str = "",
    carried: int = 0,
    unopened: list[int] | None = None,
    count_closes: bool = False,
) -> list[int]:
    """The opening marks of ``text`` left open (positions), given ``carried`` marks left open
    before it; closing marks with nothing open go to ``unopened``. A ``neutral`` mark (or a pair
    whose two marks are the same) closes what is open, else opens. With ``count_closes``, the
    positions of the marks that closed a carried one instead."""
    marks = [(m.start(), m.group()) for m in _marks(opening, closing, neutral).finditer(text)]
    if not marks:
        return []
    if carried and marks[0][1] in (opening, neutral) and not text[: marks[0][0]].strip():
        marks = marks[1:]  # a paragraph that goes on with the quotation opens it again
    stack: list[int] = []
    closed: list[int] = []
    for pos, char in marks:
        either = char == neutral or opening == closing
        if char == opening and not either:
            if stack and not text[pos + 1 :].strip() and unopened is not None:
                stack.pop()  # an opening mark that ends the paragraph closes (wrongly): one flag
                unopened.append(pos)
                continue
            stack.append(pos)
        elif stack:
            stack.pop()
        elif carried:
            carried -= 1
            closed.append(pos)
        elif either:
            stack.append(pos)
        elif unopened is not None:
            unopened.append(pos)
    return closed if count_closes else stack


@functools.lru_cache(maxsize=64)
def _marks(opening: str, closing: str, neutral: str) -> re.Pattern[str]:
    """A pattern that finds any of the marks."""
    return re.compile(f"[{re.escape(''.join(sorted({opening, closing, *neutral})))}]")


def resolve(hits: Sequence[Hit]) -> list[Hit]:
    """Keep every flag; keep fixes that do not overlap a fix chosen before them.

    Fixes are chosen leftmost first, then longest, then by higher confidence, then pack order.
    """
    flags = [h for h in hits if h.rule.action == "flag"]
    fixes = sorted(
        (h for h in hits if h.rule.action == "fix"),
        key=lambda h: (h.start, -(h.end - h.start), -h.rule.confidence, h.rule.order),
    )
    chosen: list[Hit] = []
    last_end = -1
    for hit in fixes:
        if hit.start >= last_end or (hit.start == hit.end and hit.start > last_end):
            chosen.append(hit)
            last_end = hit.end
    # a flag on text that a fix of this stage removes or rewrites has nothing left to point at
    flags = [f for f in flags if not any(c.start <= f.start and f.end <= c.end for c in chosen)]
    return sorted(chosen + flags, key=lambda h: (h.start, h.end, h.rule.order))
