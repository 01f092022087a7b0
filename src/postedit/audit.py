"""The run audit: a stratified sample of the fixes a run applied, for an editor to check, and
what the rules' measured precision says about the run as a whole.

Strata are rules: up to `PER_RULE` fixes of each rule are drawn (reservoir sampling with a seed,
so the same run draws the same sample), so a rule that fixes rarely is checked as well as one
that fixes often. The run's *estimated precision* weights each rule's measured precision
(`postedit.trust`) by the fixes it made; its *harm rate* is the expected number of wrong fixes
per 10,000 words. Fixes of rules no editor has judged yet are counted apart (``unmeasured``):
nothing is assumed about them.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .model import Article

PER_RULE = 3

Fix = tuple[str, int, int, str, str]  # rule, start, end, before, after


def fixes_of(article: Article) -> tuple[Fix, ...]:
    """The fixes of ``article`` as the audit draws from them, in text order."""
    return tuple(
        (e.rule, e.start, e.end, e.before, e.after)
        for e in sorted(article.edits, key=lambda e: (e.start, e.end, e.rule))
        if e.action == "fix"
    )


@dataclass
class Audit:
    seed: int = 0
    per_rule: int = PER_RULE
    fixes: Counter[str] = field(default_factory=Counter)
    words: int = 0
    _drawn: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, article_id: str, fixes: Iterable[Fix], words: int) -> None:
        """Count an article's fixes and draw from them (call in input order, the fixes in text
        order: `fixes_of`)."""
        self.words += words
        for rule, start, end, before, after in fixes:
            self.fixes[rule] += 1
            seen = self.fixes[rule]
            drawn = self._drawn.setdefault(rule, [])
            item = {
                "article": article_id,
                "rule": rule,
                "start": start,
                "end": end,
                "before": before,
                "after": after,
            }
            if len(drawn) < self.per_rule:
                drawn.append(item)
                continue
            # reservoir sampling, seeded by the rule and the count: the same run, the same draw
            rng = random.Random(zlib.crc32(f"{self.seed}:{rule}:{seen}".encode()))
            slot = rng.randrange(seen)
            if slot < self.per_rule:
                drawn[slot] = item

    def report(self, precision: dict[str, tuple[float | None, int]]) -> dict[str, Any]:
        """The sample and the estimates; ``precision``: rule -> (measured precision, support)."""
        known = {r for r, (p, _) in precision.items() if p is not None}
        measured = {r: n for r, n in self.fixes.items() if r in known}
        right = sum(n * (precision[r][0] or 0.0) for r, n in measured.items())
        judged = sum(measured.values())
        wrong = judged - right
        return {
            "fixes": sum(self.fixes.values()),
            "fixes_measured": judged,
            "fixes_unmeasured": sum(self.fixes.values()) - judged,
            "estimated_precision": round(right / judged, 4) if judged else None,
            "harm_per_10k_words": round(wrong * 10_000 / self.words, 3) if self.words else None,
            "words": self.words,
            "per_rule": {
                rule: {
                    "fixes": n,
                    "precision": precision.get(rule, (None, 0))[0],
                    "support": precision.get(rule, (None, 0))[1],
                    "sampled": len(self._drawn.get(rule, [])),
                }
                for rule, n in sorted(self.fixes.items())
            },
            "sample": [item for rule in sorted(self._drawn) for item in self._drawn[rule]],
        }
