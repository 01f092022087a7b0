"""Shadow runs: what a new version of the rules would change, before it goes live.

``postedit rules diff OLD NEW`` cleans the current corpus (the articles a run keeps in
``OUTPUT/cache/``, as they were read; or an input folder) once with each version of ``rules/``
and lists every span whose edit differs: an edit only the new rules make (``added``), one only
the old rules make (``removed``), or the same span changed another way (``changed``). A version
is a folder or a git revision (``HEAD~1``, a tag, a commit: its ``rules/`` is taken with
``git archive``). A seeded sample of the differences is what an editor signs off.
"""

from __future__ import annotations

import io
import random
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from .model import Article, Edit
from .pipeline import Engine, run_stages
from .rules import Rules, load_rules

STAGES = ("repair", "correct")  # the grammar checker is not part of the rules


@dataclass(frozen=True, order=True)
class Difference:
    article: str
    start: int
    end: int
    kind: str  # added, removed or changed
    rule: str
    before: str
    old: str | None  # "fix → after" or "flag" under the old rules (None: no edit there)
    new: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "article": self.article,
            "span": [self.start, self.end],
            "kind": self.kind,
            "rule": self.rule,
            "before": self.before,
            "old": self.old,
            "new": self.new,
        }

    def line(self) -> str:
        return (
            f"{self.article}:{self.start}-{self.end} {self.kind} {self.rule} "
            f"{self.before!r}: {self.old or '-'} => {self.new or '-'}"
        )


def _what(edit: Edit) -> str:
    return f"fix -> {edit.after!r}" if edit.action == "fix" else "flag"


def _edits(article: Article, rules: Rules) -> dict[tuple[int, int], Edit]:
    cleaned = run_stages(replace(article, edits=()), Engine(rules), STAGES)
    return {(e.start, e.end): e for e in cleaned.edits}


def differences(articles: Iterable[Article], old: Rules, new: Rules) -> list[Difference]:
    """Every span whose edit differs between ``old`` and ``new``, sorted by article and span."""
    out = []
    for article in articles:
        before, after = _edits(article, old), _edits(article, new)
        for span in sorted(set(before) | set(after)):
            a, b = before.get(span), after.get(span)
            if (
                a is not None
                and b is not None
                and (a.rule, a.action, a.after)
                == (
                    b.rule,
                    b.action,
                    b.after,
                )
            ):
                continue
            kind = "added" if a is None else "removed" if b is None else "changed"
            edit = b if b is not None else a
            assert edit is not None
            out.append(
                Difference(
                    article.id,
                    span[0],
                    span[1],
                    kind,
                    edit.rule,
                    edit.before,
                    None if a is None else f"{a.rule}: {_what(a)}",
                    None if b is None else f"{b.rule}: {_what(b)}",
                )
            )
    return sorted(out)


def sample(found: Sequence[Difference], size: int, seed: int = 0) -> list[Difference]:
    """Up to ``size`` differences for sign-off, spread over rules (one per rule in turn)."""
    by_rule: dict[str, list[Difference]] = {}
    for d in found:
        by_rule.setdefault(d.rule, []).append(d)
    rng = random.Random(seed)
    for items in by_rule.values():
        rng.shuffle(items)
    picked: list[Difference] = []
    while len(picked) < size and any(by_rule.values()):
        for rule in sorted(by_rule):
            if by_rule[rule] and len(picked) < size:
                picked.append(by_rule[rule].pop())
    return sorted(picked)


@contextmanager
def rules_version(spec: str, repo: Path, subdir: str = "rules") -> Iterator[Path]:
    """A folder of rules: ``spec`` itself if it is a folder, else ``subdir`` of the git revision
    ``spec`` in ``repo`` (extracted to a temporary folder)."""
    if Path(spec).is_dir():
        yield Path(spec)
        return
    try:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", spec, subdir],
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise ValueError(
            f"{spec!r} is neither a rules folder nor a git revision with {subdir}/ in {repo}: "
            f"{detail.decode('utf-8', 'replace').strip() or exc}"
        ) from exc
    with tempfile.TemporaryDirectory(prefix="postedit-rules-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / subdir


def shadow(
    old_spec: str, new_spec: str, articles: Sequence[Article], repo: Path, subdir: str = "rules"
) -> list[Difference]:
    with (
        rules_version(old_spec, repo, subdir) as old_dir,
        rules_version(new_spec, repo, subdir) as new_dir,
    ):
        return differences(articles, load_rules(old_dir), load_rules(new_dir))
