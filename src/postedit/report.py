"""The run report (``report.json``) and its summaries: counts, edits per rule and article,
warnings, errors, the grammar checker and packs each language got, the audit, and the markdown
summary a flow run publishes as an artifact.

A run keeps of each article only a `Summary` (what the report and the audit need), so the report
is built without the texts of the corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import __version__
from .audit import Fix, fixes_of
from .dedup import Result
from .grammar import FAILED as GRAMMAR_FAILED
from .grammar import GrammarSettings
from .incremental import Known, input_fingerprint
from .model import Article
from .pipeline import STEPS, count_edits
from .read import ReadError
from .rules import Rules

if TYPE_CHECKING:
    from .runner import Settings


def build_report(
    settings: Settings,
    rules: Rules,
    articles: Sequence[Article | Summary],
    errors: Iterable[ReadError],
    timings: dict[str, float],
    dedup: dict[str, object] | None = None,
    skipped: int = 0,
    removed: int = 0,
) -> dict[str, object]:
    """The run report: counts, edits per rule and article, warnings, errors, timings.

    ``processed`` articles were cleaned by this run, ``skipped`` ones were unchanged since an
    earlier run (taken from the cache), ``failed`` inputs gave no article and ``removed`` ones
    were in the previous corpus but are no longer in the input.
    """
    errors = list(errors)
    grammar = grammar_summary(settings.grammar, articles)
    by_rule = count_edits(articles)
    by_action: Counter[str] = Counter()
    for counts in by_rule.values():
        by_action.update(counts)
    return {
        "postedit_version": __version__,
        "input": str(Path(settings.input_dir).resolve()),
        "rules": str(Path(settings.rules_dir).resolve()),  # `postedit review` writes here
        "rule_count": len(rules.rules),
        "articles": len(articles),
        "processed": len(articles) - skipped,
        "skipped": skipped,
        "failed": len(errors),
        "removed": removed,
        "status": "partial" if errors or grammar["failed"] or grammar["unavailable"] else "ok",
        "edits": {"by_action": dict(sorted(by_action.items())), "by_rule": by_rule},
        "per_article": {
            a.id: dict(sorted(Counter(e.action for e in a.edits).items())) for a in articles
        },
        "warnings": [
            {"article": a.id, "source": a.source, "message": w}
            for a in articles
            for w in a.warnings
        ],
        "errors": [{"source": e.source, "message": e.message} for e in errors],
        "dedup": dedup or {},
        "grammar": grammar,
        "languages": language_summary(rules, articles),
        "timings": {k: round(v, 4) for k, v in sorted(timings.items())},
    }


def language_summary(rules: Rules, articles: Sequence[Article | Summary]) -> dict[str, object]:
    """Articles per language (and source language), with the packs they got; an article in a
    language without packs gets the built-in repairs only, and the report says so."""
    counts = Counter((a.language or "unknown", a.source_language) for a in articles)
    out: dict[str, object] = {}
    for (language, source), n in sorted(counts.items(), key=lambda x: (x[0][0], x[0][1] or "")):
        base = "" if language == "unknown" else language.split("-")[0].lower()
        src = (source or "").split("-")[0].lower() or None
        packs = [
            path
            for path, lang, pack_source, _ in rules.packs
            if lang == base and (pack_source is None or pack_source == src)
        ]
        key = language + (f" from {source}" if source else "")
        out[key] = {
            "articles": n,
            "packs": packs,
            "note": "rule packs applied"
            if packs
            else "no rule pack for this language: repair only",
        }
    return out


def grammar_summary(
    grammar: GrammarSettings, articles: Sequence[Article | Summary]
) -> dict[str, object]:
    """The checker each language got (or why none), and the articles whose check failed."""
    languages = Counter((a.language or "unknown") for a in articles)
    failed = [
        {"article": a.id, "message": w}
        for a in articles
        for w in a.warnings
        if w.startswith(GRAMMAR_FAILED)
    ]
    return {
        "backend": grammar.backend,
        "languagetool": grammar.url or ("local" if grammar.local else None),
        "unavailable": grammar.unavailable(),
        "languages": {
            lang: {"articles": n, "notice": grammar.notice(None if lang == "unknown" else lang)}
            for lang, n in sorted(languages.items())
        },
        "failed": failed,
    }


def run_warnings(report: Mapping[str, object]) -> list[str]:
    """What an operator must hear about a run beyond its errors: a grammar checker that was
    asked for and did not run (the run is then ``partial``), lines of the decisions file that
    could not be read."""
    out = [str(line) for line in report.get("decisions_skipped") or []]  # type: ignore[union-attr]
    grammar = report.get("grammar")
    if not isinstance(grammar, dict):
        return out
    if grammar.get("unavailable"):
        out.append(f"grammar not checked: {grammar['unavailable']}")
    failed = grammar.get("failed") or []
    if failed:
        out.append(
            f"grammar check failed for {len(failed)} article(s), which the next run checks "
            f"again; first: {failed[0]['article']}: {failed[0]['message']}"
        )
    return out


BOILERPLATE_SHOWN = 200  # learned boilerplate passages listed in the report and review site


def dedup_summary(result: Result, current: set[str]) -> dict[str, object]:
    """The report's ``dedup`` section."""
    roles = Counter(c["role"] for i, c in result.clusters.items() if i in current)
    return {
        "candidate_pairs": result.candidates,
        "compared": result.compared,
        "stories": len(result.report),
        "duplicates": roles["duplicate"],
        "related": roles["related"],
        "boilerplate_passages": len(result.boilerplate),
        "boilerplate": result.boilerplate[:BOILERPLATE_SHOWN],
    }


class EditKey(NamedTuple):
    rule: str
    action: str


@dataclass(frozen=True)
class Summary:
    """What the report and the audit need of an article once its text is kept on disk; kept in
    the run manifest (`postedit.incremental.Manifest`) for the next run."""

    id: str
    source: str
    language: str | None
    source_language: str | None
    warnings: tuple[str, ...]
    edits: tuple[EditKey, ...]
    fixes: tuple[Fix, ...] = ()  # what the audit draws from (`postedit.audit.fixes_of`)
    words: int = 0  # of the clean body text
    input: str = ""  # the input fingerprint (`postedit.incremental.input_fingerprint`)
    fingerprint: str = ""  # the fingerprint it was cleaned with
    names: tuple[str, ...] = ()  # name spellings of its clean text (`postedit.consistency`)

    @classmethod
    def of(
        cls,
        article: Article,
        words: int = 0,
        fingerprint: str = "",
        names: tuple[str, ...] = (),
        input_fp: str | None = None,  # its `input_fingerprint`, if already made
    ) -> Summary:
        return cls(
            article.id,
            article.source,
            article.language,
            article.source_language,
            tuple(article.warnings),
            tuple(EditKey(e.rule, e.action) for e in article.edits),
            fixes_of(article),
            words,
            input_fingerprint(article) if input_fp is None else input_fp,
            fingerprint,
            names,
        )

    @property
    def known(self) -> Known:
        return Known(self.id, self.source, self.language, self.source_language)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source": self.source,
            "language": self.language,
            "source_language": self.source_language,
            "warnings": list(self.warnings),
            "edits": [list(e) for e in self.edits],
            "fixes": [list(f) for f in self.fixes],
            "words": self.words,
            "input": self.input,
            "fingerprint": self.fingerprint,
            "names": list(self.names),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Summary:
        return cls(
            str(data["id"]),
            str(data["source"]),
            data["language"],
            data["source_language"],
            tuple(str(w) for w in data["warnings"]),
            tuple(EditKey(str(r), str(a)) for r, a in data["edits"]),
            tuple((str(r), int(s), int(e), str(b), str(a)) for r, s, e, b, a in data["fixes"]),
            int(data["words"]),
            str(data["input"]),
            str(data["fingerprint"]),
            tuple(str(n) for n in data.get("names", ())),
        )


def trust_markdown(report: dict[str, object]) -> list[str]:
    """The run audit and the demotions in force, for the run summary."""
    lines: list[str] = []
    audit = report.get("audit")
    if isinstance(audit, dict) and audit.get("fixes"):
        precision, harm = audit["estimated_precision"], audit["harm_per_10k_words"]
        lines += [
            "",
            "## Audit",
            "",
            f"{audit['fixes']} fixes, {audit['fixes_measured']} of them by rules editors have "
            "judged: estimated precision "
            + ("unknown" if precision is None else f"{precision:.3f}")
            + ", harm "
            + ("unknown" if harm is None else f"{harm:.2f} wrong fixes per 10,000 words")
            + f". A sample of {len(audit['sample'])} fixes to check (up to 3 per rule):",
            "",
            "| article | rule | before | after |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{i['article']}` | `{i['rule']}` | {_cell(i['before'])} | {_cell(i['after'])} |"
            for i in audit["sample"]
        ]
    demoted = (report.get("trust") or {}).get("demoted") or []  # type: ignore[union-attr]
    if demoted:
        lines += ["", "## Rules demoted by editors' decisions", ""]
        lines += [
            f"- `{d['rule']}`: {d['from']} → {d['to']} (precision {d['precision']:.2f} on "
            f"{d['support']} decisions, below {d['threshold']:.2f})"
            for d in demoted
        ]
    return lines


def _cell(text: str) -> str:
    return (text.replace("|", "\\|").replace("\n", " ") or "∅")[:80]


def summary_markdown(report: dict[str, object], limit: int = 200) -> str:
    """The run summary as markdown: a table per rule and a table per article."""
    edits = report["edits"]
    assert isinstance(edits, dict)
    lines = [
        "# postedit cleanup",
        "",
        f"{report['articles']} articles in the corpus: {report.get('processed', 0)} cleaned, "
        f"{report.get('skipped', 0)} unchanged, {report['failed']} failed, "
        f"{report.get('removed', 0)} removed ({report['status']}); "
        f"{edits['by_action'].get('fix', 0)} fixes, "
        f"{edits['by_action'].get('flag', 0)} flags.",
        "",
        "| rule | fix | flag |",
        "|---|---:|---:|",
    ]
    for rule, counts in edits["by_rule"].items():
        lines.append(f"| `{rule}` | {counts.get('fix', 0)} | {counts.get('flag', 0)} |")
    lines += ["", "| article | fix | flag |", "|---|---:|---:|"]
    per_article = report["per_article"]
    assert isinstance(per_article, dict)
    for article, counts in list(per_article.items())[:limit]:
        lines.append(f"| `{article}` | {counts.get('fix', 0)} | {counts.get('flag', 0)} |")
    if len(per_article) > limit:
        lines.append(f"| … {len(per_article) - limit} more | | |")
    lines += trust_markdown(report)
    errors = report["errors"]
    assert isinstance(errors, list)
    if errors:
        lines += ["", "## Errors", ""] + [f"- `{e['source']}`: {e['message']}" for e in errors]
    return "\n".join(lines) + "\n"


def batch_lines(done: Sequence[Article], timings: Mapping[str, float]) -> list[str]:
    """What cleaning one batch did, a line per stage (`postedit.pipeline.STEPS`)."""
    lines = []
    for stage, steps in STEPS.items():
        edits = Counter(e.action for a in done for e in a.edits if e.stage == stage)
        seconds = sum(timings.get(s, 0.0) for s in steps)
        lines.append(
            f"{stage}: {len(done)} articles, {edits['fix']} fixes, {edits['flag']} flags "
            f"in {seconds:.2f} s"
        )
    return lines
