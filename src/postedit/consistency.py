"""A name the reports of one story spell differently: the minority spelling is flagged.

Reports of one event (a story of de-duplication, `postedit.dedup`) name the same people and
bodies. Where most of them write "Alina Romanowski" and one writes "Elina Romanowsky", the one
is most likely wrong (a misheard or re-transliterated name), and the editor is shown the form
the others use. Translation QA tools check such consistency inside one document; this checks it
across the documents of a story.

What counts as a name: two to four capitalised words in a row (an ``al-``/``el-`` particle
allowed; a possessive ends one), the first not one of the language's stop words ("The Ministry"
is not a name). Two
spellings are variants when they have as many words, are alike as a whole (rapidfuzz ratio
`ALIKE`) and word by word (`WORD_ALIKE`, and a word that differs has `SHORT` letters or more:
John and Joan are two people), and differ. Each report votes once for each spelling
it uses; a spelling is flagged in a report when a variant has at least `MIN_VOTES` votes and
more than it, and the report does not use that variant too. A form the gazetteers know (a name
or an acceptable spelling) is never flagged: the gazetteers decide those. Only flags: which
spelling is right is the editor's call.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import regex
from rapidfuzz import fuzz

from .model import Article, Edit, local_edit
from .rules import Rule, Rules

_WORD = r"\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}?\p{Ll}+)?"
NAME = regex.compile(rf"(?<![\w'’-])(?:{_WORD})(?:[ \t]+(?:(?:al|el)-)?{_WORD}){{1,3}}(?![\w-])")
POSSESSIVE = ("'s", "’s")
SPACES = r"\s+"
SHORT = 5  # words shorter than this that differ are two names (John, Joan), not two spellings
ALIKE = 85.0  # rapidfuzz ratio of two spellings of one name
WORD_ALIKE = 70.0  # ... and of each pair of their words
MIN_VOTES = 2  # reports that must use the other spelling
INCONSISTENT = "inconsistent-name"  # the built-in check a ``kind: repair`` rule turns on
STAGE = "story"  # the stage of its flags: after de-duplication, across the reports of a story


def _strip(name: str) -> str:
    for p in POSSESSIVE:
        if name.endswith(p):
            return name[: -len(p)]
    return name


def function_words(rules: Rules, language: str | None) -> frozenset[str]:
    """The stop words of ``language``'s packs but for the words of the gazetteers' names
    (which the packs give de-duplication as stop words too)."""
    names = {w.casefold() for e in rules.entities for form in e.forms for w in form.split()}
    return frozenset(w for w in rules.stopwords_for(language) if w not in names)


def names_of(text: str, stopwords: Collection[str]) -> tuple[str, ...]:
    """The name spellings in ``text`` (sorted, each once)."""
    found = set()
    for m in NAME.finditer(text):
        # a possessive ends a name: "Syria’s President Bashar" is "Syria" and "President Bashar"
        parts, words = [], []
        for word in m.group().split():
            words.append(_strip(word))
            if word.endswith(POSSESSIVE):
                parts.append(words)
                words = []
        for part in [*parts, words]:
            if len(part) < 2 or part[0].casefold() in stopwords:
                continue
            found.add(" ".join(part))
    return tuple(sorted(found))


def variants(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` two spellings of one name? (See the module.)"""
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb) or a.casefold() == b.casefold():
        return False
    if fuzz.ratio(a, b) < ALIKE:
        return False
    return all(
        x == y or (min(len(x), len(y)) >= SHORT and fuzz.ratio(x, y) >= WORD_ALIKE)
        for x, y in zip(wa, wb, strict=True)
    )


@dataclass(frozen=True)
class Inconsistent:
    """In one report, ``spelling`` where ``votes`` of ``reports`` reports write ``other``."""

    spelling: str
    other: str
    votes: int
    reports: int


def story_findings(
    members: Iterable[str], names: Mapping[str, Collection[str]], known: Collection[str] = ()
) -> dict[str, list[Inconsistent]]:
    """For the reports of one story (ids, with the name spellings of each), the minority
    spellings of each report."""
    members = list(members)
    votes: Counter[str] = Counter()
    for m in members:
        votes.update(set(names.get(m, ())))
    known_folded = {k.casefold() for k in known}
    # compared within buckets of (word count, first letter of the last word)
    buckets: dict[tuple[int, str], list[str]] = defaultdict(list)
    for name in sorted(votes):  # in one order on every run: ties go to the same spelling
        words = name.split()
        buckets[(len(words), words[-1][:1].casefold())].append(name)
    better: dict[str, tuple[str, int]] = {}
    for group in buckets.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if not variants(a, b):
                    continue
                for low, high in ((a, b), (b, a)):
                    if votes[high] >= MIN_VOTES and votes[high] > votes[low]:
                        if low.casefold() in known_folded:
                            continue
                        if low not in better or votes[high] > better[low][1]:
                            better[low] = (high, votes[high])
    found: dict[str, list[Inconsistent]] = {}
    for m in members:
        own = set(names.get(m, ()))
        for spelling in sorted(own & set(better)):
            other, count = better[spelling]
            if other not in own:
                found.setdefault(m, []).append(Inconsistent(spelling, other, count, len(members)))
    return found


def flags_for(article: Article, findings: Iterable[Inconsistent], rule: Rule) -> list[Edit]:
    """The findings as flags on the body paragraphs of ``article`` (each occurrence of the
    spelling that no fix of the article touches), under ``rule``'s id and confidence."""
    fixes = [(e.start, e.end) for e in article.edits if e.action == "fix"]
    out = []
    for f in findings:
        body = SPACES.join(regex.escape(w) for w in f.spelling.split())
        pattern = regex.compile(rf"(?<![\w'’-]){body}(?![\w-])")
        message = (
            f"Other reports of this story write “{f.other}” ({f.votes} of {f.reports} "
            f"reports); this one writes “{f.spelling}”: check the spelling of the name."
        )
        for span in article.paragraphs:
            text = article.raw[span.start : span.end]
            for m in pattern.finditer(text):
                start, end = span.start + m.start(), span.start + m.end()
                if any(s < end and start < e for s, e in fixes):
                    continue
                edit = local_edit(
                    article.raw, rule.id, start, end, f.other, message, rule.confidence, "flag"
                )
                out.append(replace(edit, stage=STAGE))
    return out


class StoryFindings(Mapping[str, list[Inconsistent]]):
    """The story check's findings by article (`story_findings` of each story with several
    members), of the articles ``checked`` says the check applies to. A story is checked when
    one of its articles is first asked for: a run that writes the articles of a few stories
    checks those. ``clusters``: each article's cluster record, whose ``id`` is its story's."""

    def __init__(
        self,
        clusters: Mapping[str, Mapping[str, object]],
        stories: Mapping[str, list[str]],
        names: Mapping[str, Collection[str]],
        known: Collection[str],
        checked: Callable[[str], bool],
    ) -> None:
        self.clusters, self.stories, self.names, self.known = clusters, stories, names, known
        self.checked = checked
        self.done: dict[str, dict[str, list[Inconsistent]]] = {}

    def _story(self, story: str) -> dict[str, list[Inconsistent]]:
        if story not in self.done:
            members = self.stories.get(story, [])
            found = story_findings(members, self.names, self.known) if len(members) > 1 else {}
            self.done[story] = {i: f for i, f in found.items() if self.checked(i)}
        return self.done[story]

    def __getitem__(self, article_id: str) -> list[Inconsistent]:
        record = self.clusters.get(article_id)
        if record is None:
            raise KeyError(article_id)
        return self._story(str(record["id"]))[article_id]

    def __iter__(self) -> Iterator[str]:
        return (i for story in self.stories for i in self._story(story))

    def __len__(self) -> int:
        return sum(len(self._story(story)) for story in self.stories)


class StoryChecked:
    """A `postedit.write.Source` whose articles carry the story check's flags."""

    def __init__(self, source: Any, findings: Mapping[str, list[Inconsistent]], rule: Rule):
        self.source, self.findings, self.rule = source, findings, rule

    @property
    def ids(self) -> list[str]:
        return self.source.ids

    def get(self, article_id: str) -> Article:
        article = self.source.get(article_id)
        found = self.findings.get(article_id)
        return article.with_edits(flags_for(article, found, self.rule)) if found else article
