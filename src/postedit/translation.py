"""Is an article machine-translated, and from what? An estimate from what it shows.

Rules that fit machine translation only (``rules/<language>/mt/``, ``from-<source>/``) must not
"correct" a fluent article a person wrote. Whether an article is machine-translated is taken from
its metadata where it says so (``machine_translated: yes|no``, or a declared source language);
otherwise it is estimated from the MT symptoms the packs find in it: each rule's ``evidence``
(0-1) says how strongly one of its changes or flags points to MT, and the estimate is the chance
that at least one of them does, as if they were independent (each rule counted at most
``HITS_COUNTED`` times, so one sloppy habit repeated is not many symptoms):

    likelihood = 1 - prod over rules r of (1 - evidence_r) ** min(hits_r, HITS_COUNTED)

An article at or over ``THRESHOLD`` is treated as machine-translated. No rule's evidence reaches
it (`postedit.rules.MAX_EVIDENCE`): one slip of a careful writer, or one rule for MT text firing on
a fluent article, is not enough; two symptoms, or one seen twice, are. Where its source is not
declared, the language whose ``cues`` (in ``from-<source>/``) it shows most, at least the pack's
``at_least`` of them, is its guessed source, and that pack applies too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from .model import Article, Edit, Translation
from .rules import MAX_EVIDENCE, Cues

THRESHOLD = 0.5  # from this likelihood an article gets the packs for machine-translated text
assert MAX_EVIDENCE < THRESHOLD
HITS_COUNTED = 2  # changes of one rule counted as evidence in one article
YES = frozenset({"yes", "true", "1", "mt", "machine"})
NO = frozenset({"no", "false", "0", "human"})


def declared(article: Article) -> bool | None:
    """What the article's metadata says: machine-translated (True), not (False), or nothing.
    A declared source language means the article is a translation."""
    value = article.meta.get("machine_translated")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in YES | NO:
        return value.strip().lower() in YES
    return True if article.source_language else None


def evidence_of(edits: Iterable[Edit], weights: Mapping[str, float]) -> Counter[str]:
    """Rule id -> how many of ``edits`` (at most `HITS_COUNTED`) are evidence of MT."""
    found: Counter[str] = Counter()
    for edit in edits:
        rule = edit.rule if edit.rule in weights else edit.rule.rpartition(".")[0]
        if rule in weights and found[rule] < HITS_COUNTED:
            found[rule] += 1
    return found


def likelihood(found: Mapping[str, int], weights: Mapping[str, float]) -> float:
    """The chance that at least one symptom in ``found`` is a sign of MT (see the module)."""
    unlikely = 1.0
    for rule, hits in found.items():
        unlikely *= (1 - weights[rule]) ** hits
    return round(1 - unlikely, 3)


def guess_source(text: str, cues: Mapping[str, Cues]) -> str | None:
    """The source language whose cues ``text`` shows most (at least its pack's ``at_least``),
    or None. A tie goes to the language named first in alphabetical order."""
    best, most = None, 0
    for source in sorted(cues):
        count = cues[source].count(text)
        if count >= cues[source].at_least and count > most:
            best, most = source, count
    return best


def estimate(
    article: Article, weights: Mapping[str, float], guessed: str | None = None
) -> Translation:
    """The article's `Translation` record from its metadata and the edits made so far."""
    found = evidence_of(article.edits, weights)
    evidence = tuple(sorted(found, key=lambda r: (-weights[r], r)))
    said = declared(article)
    if said is not None:
        source = (article.source_language or guessed) if said else None
        return Translation(1.0 if said else 0.0, "declared", evidence, source)
    value = likelihood(found, weights)
    return Translation(value, "symptoms", evidence, guessed if value >= THRESHOLD else None)
