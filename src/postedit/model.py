"""The records that flow through postedit: `Article` and `Edit`.

Every change any stage makes is an `Edit` with a span into the article's raw decoded text. The
cleaned text, the diffs, the corpus records and the report are all rendered from these records;
`apply_edits` is the one place where text is changed.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Action = Literal["fix", "flag"]
ACTIONS: tuple[str, ...] = ("fix", "flag")


@dataclass(frozen=True, slots=True)
class Edit:
    """One change (``fix``, applied) or one finding (``flag``, shown to the editor, not applied).

    ``start``/``end`` are offsets into the raw decoded text of the article; ``before`` is
    ``raw[start:end]``; ``after`` is the replacement (for a flag: the suggestion, possibly empty).
    """

    rule: str
    action: Action
    start: int
    end: int
    before: str
    after: str
    message: str
    confidence: float
    stage: str = "correct"
    decision: str | None = None  # "accepted" or "rejected" where an editor decided
    held: bool = False  # a flag that is a fix held back (a guard, a demotion): accepting applies it

    def to_dict(self) -> dict[str, object]:
        extra: dict[str, object] = {"decision": self.decision} if self.decision else {}
        if self.held:
            extra["held"] = True
        return {
            "rule": self.rule,
            "action": self.action,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "message": self.message,
            "confidence": self.confidence,
            "stage": self.stage,
            **extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Edit:
        return cls(
            rule=str(data["rule"]),
            action=data["action"],  # type: ignore[arg-type]
            start=int(data["start"]),  # type: ignore[arg-type]
            end=int(data["end"]),  # type: ignore[arg-type]
            before=str(data["before"]),
            after=str(data["after"]),
            message=str(data["message"]),
            confidence=float(data["confidence"]),  # type: ignore[arg-type]
            stage=str(data.get("stage", "correct")),
            decision=data.get("decision"),  # type: ignore[arg-type]
            held=bool(data.get("held", False)),
        )


def local_edit(
    text: str,
    rule: str,
    start: int,
    end: int,
    after: str,
    message: str,
    confidence: float,
    action: str = "fix",
    held: bool = False,
) -> Edit:
    """What a finder returns: an `Edit` whose offsets are local to ``text``, the paragraph it
    read (`postedit.pipeline.run_stage` maps them to the raw text once, and names the stage)."""
    return Edit(rule, action, start, end, text[start:end], after, message, confidence, held=held)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention of an entity in the clean text: ``text[start:end]`` (code points)."""

    start: int
    end: int
    entity: str
    name: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "entity": self.entity, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Mention:
        start, end = int(data["start"]), int(data["end"])  # type: ignore[call-overload]
        return cls(start, end, str(data["entity"]), str(data["name"]))


@dataclass(frozen=True, slots=True)
class Translation:
    """Whether an article is machine-translated (`postedit.translation`): the likelihood (0-1),
    whether its metadata said so (``declared``) or its symptoms (``symptoms``), the rules whose
    changes and flags were the evidence, and the source language, declared or guessed."""

    likelihood: float
    basis: str
    evidence: tuple[str, ...] = ()
    source_language: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "likelihood": self.likelihood,
            "basis": self.basis,
            "evidence": list(self.evidence),
            "source_language": self.source_language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Translation:
        return cls(
            float(data["likelihood"]),
            str(data["basis"]),
            tuple(data.get("evidence", ())),
            data.get("source_language"),
        )


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Article:
    """An article as read, plus the edits the stages have made so far.

    ``raw`` is the decoded text the edits index into: the whole file for ``.txt``, the body after
    the front matter for ``.md`` and the ``text`` field for ``.jsonl``. ``title_span`` is set where
    the title is part of ``raw`` (``.txt``); ``paragraphs`` are the body paragraphs, in order.
    """

    id: str
    source: str
    raw: str
    raw_sha256: str
    title: str
    paragraphs: tuple[Span, ...]
    title_span: Span | None = None
    date: str | None = None
    url: str | None = None
    language: str | None = None
    source_language: str | None = None
    encoding: str = "utf-8"
    warnings: tuple[str, ...] = ()
    edits: tuple[Edit, ...] = ()
    detected_language: str | None = None  # what language identification said of the text
    language_confidence: float | None = None  # ... and how sure it was (0-1)
    entities: tuple[Mention, ...] = ()  # the gazetteers' entities named in the clean body text
    translation: Translation | None = None  # machine-translated? (set by the correct stage)
    meta: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    def with_edits(self, edits: Iterable[Edit]) -> Article:
        return replace(self, edits=self.edits + tuple(edits))

    @property
    def fixes(self) -> tuple[Edit, ...]:
        return tuple(e for e in self.edits if e.action == "fix")


class EditConflict(ValueError):
    """Two fixes overlap, or a fix does not match the text it claims to replace."""


def sort_key(edit: Edit) -> tuple[int, int, str, str]:
    return (edit.start, edit.end, edit.rule, edit.after)


def check_fixes(text: str, fixes: Sequence[Edit]) -> list[Edit]:
    """Return ``fixes`` sorted, or raise `EditConflict` if any overlap or do not match ``text``."""
    ordered = sorted(fixes, key=sort_key)
    last_end = 0
    for edit in ordered:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise EditConflict(f"{edit.rule}: span {edit.start}-{edit.end} outside the text")
        if text[edit.start : edit.end] != edit.before:
            raise EditConflict(
                f"{edit.rule}: text at {edit.start}-{edit.end} is not {edit.before!r}"
            )
        if edit.start < last_end:
            raise EditConflict(f"{edit.rule}: overlaps an earlier fix at {edit.start}")
        last_end = max(last_end, edit.end)
    return ordered


def apply_edits(text: str, edits: Iterable[Edit], start: int = 0, end: int | None = None) -> str:
    """Apply the fixes among ``edits`` inside ``text[start:end]``; return that slice, changed.

    Flags are ignored. Fixes must not overlap (two insertions at one point are applied in sort
    order). Text outside the fixes' spans is copied unchanged.
    """
    end = len(text) if end is None else end
    inside = [e for e in edits if e.action == "fix" and start <= e.start and e.end <= end]
    if not inside:  # most paragraphs at most steps
        return text[start:end]
    out: list[str] = []
    pos = start
    for edit in check_fixes(text, inside):
        out.append(text[pos : edit.start])
        out.append(edit.after)
        pos = edit.end
    out.append(text[pos:end])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Maps offsets in a changed text back to the text it was made from.

    Built from the fixes applied to a slice of the original; ``to_original`` answers where a span
    of the changed text came from, and whether it touches text that an earlier fix wrote.
    """

    new_starts: tuple[int, ...]
    new_ends: tuple[int, ...]
    old_starts: tuple[int, ...]
    old_ends: tuple[int, ...]
    base: int
    edits: tuple[Edit, ...] = ()

    @classmethod
    def build(cls, text: str, fixes: Sequence[Edit], start: int = 0) -> OffsetMap:
        if not fixes:  # most paragraphs at most steps: offsets shifted by ``start`` alone
            return cls((), (), (), (), start)
        ns, ne, os_, oe, kept = [], [], [], [], []
        shift = 0
        for edit in check_fixes(text, fixes):
            if edit.before == edit.after:
                continue  # changes nothing, maps nothing
            kept.append(edit)
            new_start = edit.start + shift - start
            ns.append(new_start)
            ne.append(new_start + len(edit.after))
            os_.append(edit.start)
            oe.append(edit.end)
            shift += len(edit.after) - (edit.end - edit.start)
        return cls(tuple(ns), tuple(ne), tuple(os_), tuple(oe), start, tuple(kept))

    def _point(self, pos: int, side: str) -> int:
        if side == "end":
            # a span that ends where earlier fixes wrote or deleted text ends before all of it
            first = bisect.bisect_left(self.new_starts, pos)
            if first < len(self.new_starts) and self.new_starts[first] == pos:
                return self.old_starts[first]
        i = bisect.bisect_right(self.new_starts, pos) - 1
        if i < 0:
            return self.base + pos
        ns, ne = self.new_starts[i], self.new_ends[i]
        if pos >= ne:
            return self.old_ends[i] + (pos - ne)
        if pos == ns:
            return self.old_starts[i]
        # strictly inside text an earlier fix wrote: widen to the whole original region
        return self.old_starts[i] if side == "start" else self.old_ends[i]

    def touches_fix(self, start: int, end: int) -> bool:
        """True if the span ``[start, end)`` of the changed text overlaps text a fix wrote."""
        i = bisect.bisect_right(self.new_starts, max(start, end - 1)) - 1
        while i >= 0 and self.new_ends[i] >= start:
            ns, ne = self.new_starts[i], self.new_ends[i]
            if ns < end and start < ne:  # proper overlap with written text
                return True
            if ns == ne and start < ns < end:  # a deletion inside the span
                return True
            i -= 1
        return False

    def covered(self, start: int, end: int) -> tuple[Edit, ...] | None:
        """The earlier fixes whose written text lies wholly inside ``[start, end)`` of the changed
        text, or None if the span cuts through text an earlier fix wrote."""
        inside = []
        for i, (ns, ne) in enumerate(zip(self.new_starts, self.new_ends, strict=True)):
            outside = ns >= end or ne <= start
            if outside and not (ns == ne and start < ns < end):
                continue
            if start <= ns and ne <= end:
                inside.append(self.edits[i])
            else:
                return None
        return tuple(inside)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``[start, end)`` of the changed text came from."""
        first = self._point(start, "start")
        return (first, first) if start == end else (first, max(first, self._point(end, "end")))


def article_to_dict(article: Article) -> dict[str, object]:
    """Every field of ``article`` as JSON-ready data (`article_from_dict` reads it back)."""

    def span(value: Span | None) -> list[int] | None:
        return None if value is None else [value.start, value.end]

    return {
        "id": article.id,
        "source": article.source,
        "raw": article.raw,
        "raw_sha256": article.raw_sha256,
        "title": article.title,
        "paragraphs": [span(p) for p in article.paragraphs],
        "title_span": span(article.title_span),
        "date": article.date,
        "url": article.url,
        "language": article.language,
        "source_language": article.source_language,
        "encoding": article.encoding,
        "warnings": list(article.warnings),
        "edits": [e.to_dict() for e in article.edits],
        "meta": article.meta,
        "detected_language": article.detected_language,
        "language_confidence": article.language_confidence,
        "entities": [e.to_dict() for e in article.entities],
        "translation": article.translation and article.translation.to_dict(),
    }


def article_from_dict(data: dict) -> Article:
    def span(value: list[int] | None) -> Span | None:
        return None if value is None else Span(int(value[0]), int(value[1]))

    return Article(
        id=data["id"],
        source=data["source"],
        raw=data["raw"],
        raw_sha256=data["raw_sha256"],
        title=data["title"],
        paragraphs=tuple(Span(int(p[0]), int(p[1])) for p in data["paragraphs"]),
        title_span=span(data.get("title_span")),
        date=data.get("date"),
        url=data.get("url"),
        language=data.get("language"),
        source_language=data.get("source_language"),
        encoding=data.get("encoding", "utf-8"),
        warnings=tuple(data.get("warnings", ())),
        edits=tuple(Edit.from_dict(e) for e in data.get("edits", ())),
        meta=dict(data.get("meta") or {}),
        detected_language=data.get("detected_language"),
        language_confidence=data.get("language_confidence"),
        entities=tuple(Mention.from_dict(e) for e in data.get("entities", ())),
        translation=data.get("translation") and Translation.from_dict(data["translation"]),
    )
