"""Everything the user sees, rendered from the Edit records: cleaned text, diffs, corpus records."""

from __future__ import annotations

import difflib
import hashlib
import json
from importlib import resources
from typing import Any

from .model import Article, Span, apply_edits, sort_key

NO_NEWLINE = "\\ No newline at end of file\n"


def clean_segment(article: Article, span: Span) -> str:
    return apply_edits(article.raw, article.edits, span.start, span.end).strip()


def clean_title(article: Article) -> str:
    if article.title_span is not None:
        return " ".join(clean_segment(article, article.title_span).split())
    return " ".join(article.title.split())


def clean_paragraphs(article: Article) -> list[str]:
    return [p for span in article.paragraphs if (p := clean_segment(article, span))]


def clean_text(article: Article) -> str:
    return "\n\n".join(clean_paragraphs(article))


def article_file_text(article: Article) -> str:
    """The cleaned article as a file: title, a blank line, the paragraphs."""
    body = clean_text(article)
    return f"{clean_title(article)}\n\n{body}\n" if body else f"{clean_title(article)}\n"


def _hunk_lines(lines: list[str], prefix: str, is_last: bool) -> list[str]:
    out = [prefix + line for line in lines]
    if is_last and out and not out[-1].endswith("\n"):
        out[-1] += "\n" + NO_NEWLINE
    return out


def _range(start: int, length: int) -> str:
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"


def unified_diff(old: str, new: str, fromfile: str, tofile: str, context: int = 3) -> str:
    """A unified diff that GNU ``patch`` accepts, with "No newline at end of file" markers."""
    if old == new:
        return ""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out = [f"--- {fromfile}\n", f"+++ {tofile}\n"]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(i1, i2 - i1)} +{_range(j1, j2 - j1)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                # an unchanged last line without a newline stays context only if both sides agree
                out += _hunk_lines(a[a1:a2], " ", a2 == len(a))
                continue
            if tag in ("replace", "delete"):
                out += _hunk_lines(a[a1:a2], "-", a2 == len(a))
            if tag in ("replace", "insert"):
                out += _hunk_lines(b[b1:b2], "+", b2 == len(b))
    return "".join(out)


def article_diff(article: Article) -> str:
    return unified_diff(
        article.raw,
        article_file_text(article),
        fromfile=f"a/{article.source}",
        tofile=f"b/articles/{article.id}.txt",
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
        "edits": [e.to_dict() for e in sorted(article.edits, key=sort_key)],
        "cluster": cluster or default_cluster(article),
    }


def to_json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def load_schema() -> dict[str, Any]:
    text = (resources.files("postedit") / "schema" / "corpus.schema.json").read_text("utf-8")
    return json.loads(text)
