"""What a pattern cannot match without: literal strings of which every text it matches holds one.

A rule's pattern is scanned over each distinct paragraph, and most paragraphs hold none of the
words the pattern is about (``\\b(?:Monday|Tuesday|…) \\(`` needs one of the weekdays' names).
A `Needle` says so with substring tests, which mostly cost less than a regex run and its
timeout's clock (a read of the process's CPU clock, a system call). It is a necessary
condition, never a guess: where a text holds a needle, the pattern is run as before, and a
pattern whose parts cannot be read here (an unknown construct, full case folding) gets no
needle and is always run. So the matches are the same, only found sooner.

The needles are read from the pattern as the regex module parses it: the literal characters of
a sequence, the alternatives of a branch (each must bring one), a repeat that must occur at
least once, a group, and a positive look-around (its text is in the paragraph too). Anything
else (a class, a property, a back-reference, a fuzzy or conditional part) requires nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import regex
from regex import _regex_core as core

# The only characters beyond ASCII that match an ASCII letter case-insensitively (simple case
# folding; checked over all of Unicode in the tests): a text holding none of them matches an
# ASCII needle case-insensitively exactly where its lower case holds the needle's lower case.
ASCII_CASE_PARTNERS = "\u0130\u0131\u017f\u212a"  # İ ı ſ K (Kelvin)
_REPEATS = (core.GreedyRepeat, core.LazyRepeat, core.PossessiveRepeat)


@dataclass(frozen=True)
class Needle:
    """Strings of which every text the pattern matches holds one: ``exact`` as written,
    ``folded`` (ASCII, lower case) in any case."""

    exact: tuple[str, ...] = ()
    folded: tuple[str, ...] = ()

    def may_match(self, text: str) -> bool:
        """False only where the pattern cannot match ``text``."""
        if any(s in text for s in self.exact):
            return True
        if not self.folded:
            return False
        if not text.isascii() and any(c in text for c in ASCII_CASE_PARTNERS):
            return True  # a case partner the lower case would not show: run the pattern
        lowered = _lowered(text)
        return any(s in lowered for s in self.folded)


def cannot_match(pattern: regex.Pattern[str], text: str) -> bool:
    """True where the pattern's `Needle` shows it cannot match ``text`` (no needle: False)."""
    needle = needle_of(pattern)
    return needle is not None and not needle.may_match(text)


@functools.lru_cache(maxsize=64)
def _lowered(text: str) -> str:
    return text.lower()


@functools.lru_cache(maxsize=4096)
def needle_of(pattern: regex.Pattern[str]) -> Needle | None:
    """The pattern's `Needle`, or None where it requires no literal text that can be told."""
    try:
        found = _need(_parse(pattern))
    except Exception:  # a construct this reading does not know: no needle, the pattern runs
        return None
    if not found:
        return None
    exact = tuple(sorted(s for s, folded in found if not folded))
    folded = tuple(sorted(s for s, is_folded in found if is_folded))
    return Needle(exact, folded)


def _parse(pattern: regex.Pattern[str]) -> core.RegexBase:
    source = core.Source(pattern.pattern)
    info = core.Info(pattern.flags, source.char_type, {})
    info.guess_encoding = core.UNICODE
    source.ignore_space = bool(info.flags & core.VERBOSE)
    node = core._parse_pattern(source, info)
    if not source.at_end():
        raise ValueError("pattern not read to its end")
    return node


Found = frozenset[tuple[str, bool]]  # (string, matched in any case)


def _need(node: core.RegexBase) -> Found | None:
    """Strings one of which any match of ``node`` holds (or its look-around reads), or None."""
    kind = type(node)
    if kind is core.Sequence:
        return _best(_sequence(node.items))
    if kind is core.Character:
        return _run([node])
    if kind is core.Branch:
        parts = [_need(b) for b in node.branches]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*parts)  # type: ignore[arg-type]
    if kind is core.Group or kind is core.Atomic:
        return _need(node.subpattern)
    if kind in _REPEATS:
        return _need(node.subpattern) if node.min_count >= 1 else None
    if kind is core.LookAround:
        return _need(node.subpattern) if node.positive else None
    return None


def _sequence(items: Iterable[core.RegexBase]) -> Iterable[Found | None]:
    """Each item's needs, consecutive literal characters read as one string."""
    run: list[core.Character] = []
    for item in items:
        if type(item) is core.Character and item.positive and not item.zerowidth:
            run.append(item)
            continue
        if run:
            yield _run(run)
            run = []
        yield _need(item)
    if run:
        yield _run(run)


def _run(chars: list[core.Character]) -> Found | None:
    """Literal characters in a row as one string: as written, or (if any is matched in any
    case) in lower case where all are ASCII and none folds fully."""
    flags = 0
    for c in chars:
        flags |= c.case_flags
    text = "".join(chr(c.value) for c in chars)
    if not flags & core.IGNORECASE:
        return frozenset({(text, False)})
    if flags & core.FULLCASE or not text.isascii():
        return None
    return frozenset({(text.lower(), True)})


def _best(candidates: Iterable[Found | None]) -> Found | None:
    """Of a sequence's items' needs (all required), the most telling: the longest shortest
    string, then the fewest strings."""
    known = [c for c in candidates if c]
    if not known:
        return None
    return max(known, key=lambda c: (min(len(s) for s, _ in c), -len(c)))
