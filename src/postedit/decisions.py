"""Editors' decisions on changes and flags, kept so that they hold across runs.

A decision is one JSON line in an append-only file (``review/decisions.jsonl`` by default)::

    {"article": "002_...", "rule": "en.from-ar.truth-truce", "before": "truth",
     "left": "...entered into a ", "right": " with the American...", "decision": "reject"}

It is keyed by the article, the rule, the text the edit changes and up to `CONTEXT` characters of
raw text on each side, not by offsets, so it survives re-runs and edits elsewhere in the article.
The last line for a key wins. ``decision`` is ``reject`` (a fix is not applied again; a flag is
not shown again), ``accept`` (a flag becomes a fix, with the editor's own ``"after"`` where they
typed one; a fix stays one, marked accepted) or ``off``:
with ``"scope": "article"`` or ``"scope": "source"`` (and ``"source"``) the rule makes no edit in
that article or in any article from that source.

A decision copied from another report of the same event carries ``"via"`` (the article it was
made on): it is applied like the original but not counted again in the rule's precision
(`postedit.trust`). ``postedit review`` adds who decided (``"reviewer"``) and when
(``"decided"``, UTC, ISO 8601), which the precision page can be filtered by. ``restore`` and
``auto`` (``"scope": "rule"``) take a rule out of automatic
demotion and hand it back.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CONTEXT = 30
DECISIONS = ("accept", "reject", "off")
RULE_DECISIONS = ("restore", "auto")  # about a rule's demotion (`postedit.trust`)


def context_key(raw: str, start: int, end: int) -> tuple[str, str, str]:
    """The text an edit changes and the raw text around it, white space folded."""

    def fold(text: str) -> str:
        return " ".join(text.split())

    return (
        fold(raw[start:end]),
        fold(raw[max(0, start - CONTEXT) : start]),
        fold(raw[end : end + CONTEXT]),
    )


@dataclass
class Decisions:
    """The decisions in force: the last one for each key."""

    edits: dict[tuple[str, str, str, str, str], str] = field(default_factory=dict)
    rules_off: set[tuple[str, str, str]] = field(default_factory=set)  # (scope, where, rule)
    copied: set[tuple[str, str, str, str, str]] = field(default_factory=set)  # keys with "via"
    restored: set[str] = field(default_factory=set)  # rules an editor took out of demotion
    reviewers: dict[tuple[str, str, str, str, str], str] = field(default_factory=dict)  # by key
    # what an editor typed for a flag they accepted (a flag without a suggestion, or a better one)
    replacements: dict[tuple[str, str, str, str, str], str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # lines of the file that were not read
    _by_article: dict[str, list[tuple[str, ...]]] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def from_lines(cls, lines: Iterable[dict[str, Any]]) -> Decisions:
        decisions = cls()
        for line in lines:
            decision, rule = line.get("decision"), line.get("rule")
            if decision in RULE_DECISIONS and isinstance(rule, str):
                (decisions.restored.add if decision == "restore" else decisions.restored.discard)(
                    rule
                )
                continue
            if decision not in DECISIONS or not isinstance(rule, str):
                continue
            scope = line.get("scope", "edit")
            if decision == "off" or scope in ("article", "source"):
                where = line.get("source") if scope == "source" else line.get("article")
                key = (str(scope), str(where), rule)
                if decision == "off":
                    decisions.rules_off.add(key)
                else:
                    decisions.rules_off.discard(key)
                continue
            key = (
                str(line.get("article")),
                rule,
                str(line.get("before", "")),
                str(line.get("left", "")),
                str(line.get("right", "")),
            )
            decisions.edits[key] = decision
            typed = line.get("after")
            if decision == "accept" and isinstance(typed, str):
                decisions.replacements[key] = typed
            else:
                decisions.replacements.pop(key, None)
            reviewer = line.get("reviewer")
            if isinstance(reviewer, str) and reviewer:
                decisions.reviewers[key] = reviewer
            else:
                decisions.reviewers.pop(key, None)
            if line.get("via"):
                decisions.copied.add(key)
            else:
                decisions.copied.discard(key)
        return decisions

    def rule_off(self, article: str, source: str, rule: str) -> bool:
        return ("article", article, rule) in self.rules_off or (
            "source",
            source,
            rule,
        ) in self.rules_off

    def about(self, article: str, source: str) -> list[tuple[str, ...]]:
        """Every decision in force that can change ``article`` (from ``source``), sorted."""
        if self._by_article is None:
            index: dict[str, list[tuple[str, ...]]] = {}
            for key, decision in self.edits.items():
                typed = self.replacements.get(key)
                extra = (typed,) if typed is not None else ()
                index.setdefault(key[0], []).append((*key[1:], decision, *extra))
            self._by_article = index
        off = sorted(
            (scope, rule)
            for scope, where, rule in self.rules_off
            if (scope, where) in (("article", article), ("source", source))
        )
        return sorted(self._by_article.get(article, [])) + [("off", *o) for o in off]

    def decision(self, article: str, rule: str, raw: str, start: int, end: int) -> str | None:
        return self.edits.get((article, rule, *context_key(raw, start, end)))

    def replacement(self, article: str, rule: str, raw: str, start: int, end: int) -> str | None:
        """What the editor typed when accepting this change, if they typed something."""
        return self.replacements.get((article, rule, *context_key(raw, start, end)))


DECISIONS_FILE = Path("review") / "decisions.jsonl"


def decisions_path(output_dir: Path) -> Path:
    """Where the decisions about the corpus in ``output_dir`` live by default: with the corpus,
    so that runs (``postedit run``, ``serve``, a worker) and ``postedit review`` started from any
    folder share them."""
    return Path(output_dir) / DECISIONS_FILE


def load_decisions(path: Path | None) -> Decisions:
    """The decisions in ``path``. The file is split on ``\n`` alone (no other character ends a
    line), and a line that is not valid UTF-8 JSON, such as a last write torn by a full disk or
    a power cut, even inside a multi-byte character, is skipped and named in ``skipped``."""
    if path is None or not path.exists():
        return Decisions()
    lines = []
    skipped = []
    for number, data in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not data.strip():
            continue
        try:
            value = json.loads(data.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
            value = None
        if isinstance(value, dict):
            lines.append(value)
        else:
            skipped.append(f"{path}:{number}: not a decision (a torn or damaged line), skipped")
    decisions = Decisions.from_lines(lines)
    decisions.skipped = skipped
    return decisions


def stamped(decision: dict[str, Any], reviewer: str, now: datetime | None = None) -> dict[str, Any]:
    """``decision`` with who took it and when (UTC, to the second)."""
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {**decision, "reviewer": reviewer, "decided": when.isoformat().replace("+00:00", "Z")}


def default_reviewer() -> str:
    """Who is deciding, if not said: ``POSTEDIT_REVIEWER``, else the login name."""
    name = os.environ.get("POSTEDIT_REVIEWER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def append_decision(path: Path, decision: dict[str, Any]) -> None:
    """Append one decision and fsync it: a decision once acknowledged is never lost, even after
    a torn last line (which it does not join)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # ASCII JSON: no character of an id or a text (U+2028, NEL...) can look like a line end
    line = (json.dumps(decision, ensure_ascii=True, sort_keys=True) + "\n").encode("ascii")
    with open(path, "a+b") as handle:
        if handle.seek(0, os.SEEK_END) > 0:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":  # a torn last line: end it, or this one joins it
                line = b"\n" + line
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
