"""Everything the user sees, rendered from the Edit records: cleaned text, diffs, corpus records.

Pure functions: no disk (except reading the packaged JSON Schema), no Prefect.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from importlib import resources
from typing import Any

from .jsonio import compact
from .model import Article, Edit, Span, apply_edits

NO_NEWLINE = "\\ No newline at end of file\n"
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


# --- cleaned text --------------------------------------------------------------------------------


def clean_segment(article: Article, span: Span) -> str:
    """``raw[span]`` with the fixes inside it applied, surrounding white space stripped."""
    return apply_edits(article.raw, article.edits, span.start, span.end).strip()


def clean_title(article: Article) -> str:
    """The cleaned title span; a title from metadata (not part of ``raw``, so no edit can touch
    it) only has its white space collapsed, so that it stays one line."""
    if article.title_span is not None:
        return clean_segment(article, article.title_span)
    return " ".join(article.title.split())


def clean_paragraphs(article: Article) -> list[str]:
    return [p for span in article.paragraphs if (p := clean_segment(article, span))]


def clean_text(article: Article) -> str:
    return "\n\n".join(clean_paragraphs(article))


def article_file_text(article: Article) -> str:
    """The cleaned article as a file: title, a blank line, the paragraphs, a final newline."""
    body = clean_text(article)
    title = clean_title(article)
    return f"{title}\n\n{body}\n" if body else f"{title}\n"


def safe_name(article_id: str) -> str:
    """A file name for an id: the id itself where it is safe ([A-Za-z0-9._-], not starting with
    a dot, at most 120 characters), else a cleaned form plus a hash of the id."""
    cleaned = _UNSAFE.sub("_", article_id).lstrip(".")[:120]
    if cleaned == article_id and cleaned:
        return cleaned
    digest = hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:10]
    return f"{cleaned or 'article'}_{digest}"


# --- diffs ---------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Lines as ``patch`` sees them: split on "\\n" only (not on \\r, U+2028, form feed...)."""
    return _LINE.findall(text)


def _range(start: int, length: int) -> str:
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"


def _emit(out: list[str], prefix: str, lines: list[str]) -> None:
    for line in lines:
        out.append(prefix + line)
        if not line.endswith("\n"):  # only ever the last line of a side
            out.append("\n" + NO_NEWLINE)


def unified_diff(old: str, new: str, fromfile: str, tofile: str, context: int = 3) -> str:
    """A unified diff from ``old`` to ``new`` that GNU ``patch`` applies exactly, with
    "No newline at end of file" markers; "" when they are equal."""
    if old == new:
        return ""
    a, b = _lines(old), _lines(new)
    fromfile, tofile = _CONTROL.sub("?", fromfile), _CONTROL.sub("?", tofile)
    out = [f"--- {fromfile}\n", f"+++ {tofile}\n"]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(i1, i2 - i1)} +{_range(j1, j2 - j1)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                _emit(out, " ", a[a1:a2])
                continue
            if tag in ("replace", "delete"):
                _emit(out, "-", a[a1:a2])
            if tag in ("replace", "insert"):
                _emit(out, "+", b[b1:b2])
    return "".join(out)


def article_diff(article: Article) -> str:
    """The diff from the raw text to the article file, as written to ``diffs/<name>.diff``."""
    return unified_diff(
        article.raw,
        article_file_text(article),
        fromfile=f"a/{article.source}",
        tofile=f"b/articles/{safe_name(article.id)}.txt",
    )


# --- corpus records ------------------------------------------------------------------------------


def _edit_order(edit: Edit) -> tuple[Any, ...]:
    """By start, end, rule; the other fields only break ties, so the order never depends on the
    order the stages produced the edits in."""
    return (
        edit.start,
        edit.end,
        edit.rule,
        edit.action,
        edit.after,
        edit.message,
        edit.stage,
        edit.confidence,
        edit.before,
    )


def default_cluster(article: Article) -> dict[str, Any]:
    return {"id": article.id, "role": "canonical", "of": None, "score": None}


def corpus_record(article: Article, cluster: dict[str, Any] | None = None) -> dict[str, Any]:
    """One line of ``corpus.jsonl``: the contract in docs/corpus.md and the JSON Schema."""
    text = clean_text(article)
    return {
        "id": article.id,
        "title": clean_title(article),
        "date": article.date,
        "language": article.language,
        "source_language": article.source_language,
        "text": text,
        "source": article.source,
        "url": article.url,
        "raw_sha256": article.raw_sha256,
        "clean_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "encoding": article.encoding,
        "warnings": list(article.warnings),
        "edits": [e.to_dict() for e in sorted(article.edits, key=_edit_order)],
        "cluster": default_cluster(article) if cluster is None else dict(cluster),
        "detected_language": article.detected_language,  # since corpus-record-2
        "language_confidence": article.language_confidence,
        "entities": [m.to_dict() for m in article.entities],  # since corpus-record-3
        "machine_translation": article.translation and article.translation.to_dict(),  # record-5
    }


def to_json_line(record: dict[str, Any]) -> str:
    """One deterministic JSON line (keys in the record's order, no spaces, UTF-8 kept)."""
    return compact(record) + "\n"


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one ``corpus.jsonl`` record."""
    text = (resources.files("postedit") / "schema" / "corpus.schema.json").read_text("utf-8")
    return json.loads(text)
