"""How far each rule can be trusted, measured from editors' decisions, and what follows.

Every accept or reject an editor records is a verdict on one edit of one rule: an accepted edit
was right, a rejected one wrong. A rule's *precision* is the share of its judged edits that were
right, given with a Wilson score interval (it stays honest on a handful of verdicts) and its
*support* (how many verdicts). Decisions an editor made once and postedit copied to the other
reports of the same event (``"via"``) are not counted again: they are one verdict.

A rule whose precision falls below the policy's threshold, once it has the minimum support, is
*demoted*: a ``fix`` becomes a ``flag`` (below ``fix``, default 0.99), a rule below ``flag``
(default 0.90) makes no edit at all (``off``). The policy lives in ``rules/trust.yaml``. A
demotion is shown in the report, the run summary, ``postedit rules stats`` and the review index,
and is reversed by an editor's ``restore`` decision (``postedit rules restore RULE``), which holds
until an ``auto`` decision hands the rule back to its measurements.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .decisions import Decisions
from .rules import TRUST_FILE, RuleError, Rules

POLICY_FILE = TRUST_FILE
ACTIONS = ("fix", "flag", "off")


@dataclass(frozen=True)
class Policy:
    """Thresholds below which a rule is demoted; ``min_support`` verdicts before any demotion."""

    fix: float = 0.99
    flag: float = 0.90
    min_support: int = 5
    z: float = 1.96  # the interval's width: 1.96 for 95%

    def describe(self) -> str:
        return f"fix>={self.fix} flag>={self.flag} support>={self.min_support}"


def load_policy(rules_dir: Path | str) -> Policy:
    """``rules/trust.yaml`` (every key optional); the defaults if there is none. A bad file is
    a `RuleError` naming it and the key (the run stops, as for a broken pack)."""
    path = Path(rules_dir) / POLICY_FILE
    if not path.exists():
        return Policy()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(path, None, f"cannot read the trust policy: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleError(path, None, "the trust policy is a mapping (fix, flag, min_support)")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("fix", "flag"):
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise RuleError(path, None, f"{key!r} must be a number from 0 to 1, not {value!r}")
            values[key] = float(value)
        elif key == "min_support":
            if not isinstance(value, int) or value < 1:
                raise RuleError(path, None, "'min_support' must be a whole number of at least 1")
            values[key] = value
        else:
            raise RuleError(path, None, f"unknown key {key!r} (known: fix, flag, min_support)")
    return Policy(**values)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (0, 1) when there is no data."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)
    return max(0.0, round(low, 4)), min(1.0, round(high, 4))


@dataclass(frozen=True)
class RuleStats:
    rule: str
    accepted: int = 0
    rejected: int = 0

    @property
    def support(self) -> int:
        return self.accepted + self.rejected

    @property
    def precision(self) -> float | None:
        return self.accepted / self.support if self.support else None

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        return wilson(self.accepted, self.support, z)


def rule_stats(decisions: Decisions, reviewer: str | None = None) -> dict[str, RuleStats]:
    """Verdicts per rule: the decision in force for each edit, copies made for duplicates left
    out; with ``reviewer``, only the decisions that reviewer took."""
    counts: dict[str, Counter[str]] = {}
    for key, decision in decisions.edits.items():
        if key in decisions.copied:
            continue
        if reviewer is not None and decisions.reviewers.get(key) != reviewer:
            continue
        counts.setdefault(key[1], Counter())[decision] += 1
    return {rule: RuleStats(rule, c["accept"], c["reject"]) for rule, c in sorted(counts.items())}


@dataclass(frozen=True)
class Demotion:
    rule: str
    action: str  # the pack's action
    to: str  # "flag" or "off"
    precision: float
    support: int
    interval: tuple[float, float]
    threshold: float

    @property
    def reason(self) -> str:
        low, high = self.interval
        return (
            f"Demoted from {self.action} to {self.to}: editors accepted "
            f"{round(self.precision * self.support)} of {self.support} "
            f"(precision {self.precision:.2f}, 95% interval {low:.2f}-{high:.2f}), below "
            f"{self.threshold:.2f}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "from": self.action,
            "to": self.to,
            "precision": round(self.precision, 4),
            "support": self.support,
            "interval": list(self.interval),
            "threshold": self.threshold,
        }


def demotions(
    rules: Rules, stats: Mapping[str, RuleStats], policy: Policy, restored: Iterable[str] = ()
) -> dict[str, Demotion]:
    """The rules to demote, by id: those with enough verdicts and a precision below the
    threshold of their action, unless an editor restored them."""
    kept = set(restored)
    out = {}
    for rule in rules.rules:
        s = stats.get(rule.id)
        if rule.id in kept or s is None or s.support < policy.min_support or rule.action == "off":
            continue
        precision = s.precision or 0.0
        if rule.action == "fix" and precision < policy.fix:
            low = precision < policy.flag
            to, threshold = ("off", policy.flag) if low else ("flag", policy.fix)
        elif rule.action == "flag" and precision < policy.flag:
            to, threshold = "off", policy.flag
        else:
            continue
        out[rule.id] = Demotion(
            rule.id, rule.action, to, precision, s.support, s.interval(policy.z), threshold
        )
    return out


@dataclass(frozen=True)
class Trust:
    """What a run applies: the policy, the measurements and the demotions that follow."""

    policy: Policy = field(default_factory=Policy)
    stats: dict[str, RuleStats] = field(default_factory=dict)
    demoted: dict[str, Demotion] = field(default_factory=dict)
    restored: tuple[str, ...] = ()

    def describe(self) -> str:
        """For the cache fingerprint: a demotion changes what the rules do."""
        return ";".join(f"{d.rule}>{d.to}" for d in sorted(self.demoted.values(), key=_id))

    def report(self) -> dict[str, Any]:
        return {
            "policy": {
                "fix": self.policy.fix,
                "flag": self.policy.flag,
                "min_support": self.policy.min_support,
            },
            "demoted": [d.to_dict() for d in sorted(self.demoted.values(), key=_id)],
            "restored": list(self.restored),
        }


def _id(d: Demotion) -> str:
    return d.rule


def measure(rules: Rules, decisions: Decisions, rules_dir: Path | str) -> Trust:
    policy = load_policy(rules_dir)
    stats = rule_stats(decisions)
    restored = tuple(sorted(decisions.restored))
    return Trust(policy, stats, demotions(rules, stats, policy, restored), restored)


def apply(rules: Rules, trust: Trust) -> Rules:
    """``rules`` with the demotions made: a demoted fix flags (its message says why), a rule
    demoted to off is left out."""
    if not trust.demoted:
        return rules
    out = []
    for rule in rules.rules:
        d = trust.demoted.get(rule.id)
        if d is None:
            out.append(rule)
        elif d.to == "flag":
            message = f"{rule.message} ({d.reason})"
            out.append(replace(rule, action="flag", message=message, demoted=True))
    return replace(rules, rules=tuple(out))


def stats_table(
    rules: Rules | None, trust: Trust, words: int, edits: Mapping[str, int]
) -> list[dict[str, Any]]:
    """One row per rule that has edits or verdicts: action, precision, interval, support,
    edits per 10,000 words and the demotion in force."""
    actions = {r.id: r.action for r in rules.rules} if rules is not None else {}
    names = sorted(set(trust.stats) | set(edits))
    rows = []
    for name in names:
        s = trust.stats.get(name, RuleStats(name))
        d = trust.demoted.get(name)
        low, high = s.interval(trust.policy.z)
        rows.append(
            {
                "rule": name,
                "action": actions.get(name, "grammar" if name.startswith("grammar.") else "?"),
                "accepted": s.accepted,
                "rejected": s.rejected,
                "support": s.support,
                "precision": None if s.precision is None else round(s.precision, 4),
                "interval": [low, high],
                "edits": edits.get(name, 0),
                "per_10k_words": round(edits.get(name, 0) * 10_000 / words, 2) if words else 0.0,
                "demoted": d.to if d else None,
                "restored": name in trust.restored,
            }
        )
    return rows


def stats(rules: Rules | None, trust: Trust, report: Mapping[str, Any]) -> dict[str, Any]:
    """`stats_table` with the edit counts and words of a run's ``report.json``, and the policy
    and demotions: what ``postedit rules stats``, the review server and each run show."""
    by_rule = (report.get("edits") or {}).get("by_rule") or {}
    words = int((report.get("audit") or {}).get("words") or 0)
    edits = {rule: sum(counts.values()) for rule, counts in by_rule.items()}
    return {"rules": stats_table(rules, trust, words, edits), **trust.report()}


def read_report(output_dir: Path) -> dict[str, Any]:
    """The last run's ``report.json`` in ``output_dir`` ({} if there is none)."""
    try:
        return json.loads((Path(output_dir) / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
