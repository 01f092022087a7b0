"""Repair: the language-independent fixes every article gets before the rule packs run.

Each finder takes one paragraph's text and returns `Hit`-like tuples ``(rule id, start, end,
after, message, confidence)`` with offsets local to that text; the pipeline maps them back to the
raw text and records them as Edits.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import unicodedata
from dataclasses import replace

import ftfy
from rapidfuzz import fuzz

from .model import Edit, local_edit
from .rules import normalise_line

# The ftfy options postedit changes, and why:
# - uncurl_quotes=False: curly quotes are correct typography; quote style is a language pack's call.
# - fix_character_width=False: width folding turns CJK full-width punctuation into ASCII.
# - normalization="NFC": composes characters without NFKC's folding of ligatures, superscripts
#   and Arabic presentation forms (those are decided by language packs, with edits of their own).
FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_character_width=False,
    normalization="NFC",
    explain=True,
)

CONFIDENCE_FTFY = 0.99
CONFIDENCE_WHITESPACE = 0.99


def _step_name(explanation: list[tuple[str, str]] | None) -> str:
    steps = explanation or []
    if any(action in ("encode", "decode", "transcode") for action, _ in steps):
        return "mojibake"
    names = [param for action, param in steps if action == "apply"]
    return (names[0] if names else "unicode").replace("_", "-")


def ftfy_changes(text: str) -> list[Edit]:
    """What ftfy changes in ``text``, as character-level changes named after ftfy's steps. Each
    line is fixed on its own, as ``ftfy.fix_text`` does: a paragraph of hard-wrapped lines is
    repaired as its lines were (a ``<`` on one line does not keep another's entities)."""
    out: list[Edit] = []
    at = 0
    for line in text.split("\n"):
        out += _ftfy_line(text, at, line)
        at += len(line) + 1
    return out


def _ftfy_line(text: str, at: int, line: str) -> list[Edit]:
    fixed, explanation = ftfy.fix_and_explain(line, config=FTFY_CONFIG)
    if fixed == line:
        return []
    name = _step_name(explanation)
    steps = ", ".join(f"{a} {p}" for a, p in explanation or []) or "unicode repair"
    message = f"Broken Unicode repaired by ftfy ({steps})."
    matcher = difflib.SequenceMatcher(None, line, fixed, autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edit = local_edit(
            text, f"ftfy.{name}", at + i1, at + i2, fixed[j1:j2], message, CONFIDENCE_FTFY
        )
        if tag == "delete" and _joins_words(line, i1, i2):
            note = (
                f" Not applied: taking it out would run “{_word_before(line, i1)}” and "
                f"“{_word_after(line, i2)}” together, and it may stand for a space or a lost "
                "letter."
            )
            edit = replace(edit, action="flag", held=True, message=message + note)
        out.append(edit)
    return out


def _joins_words(line: str, start: int, end: int) -> bool:
    """Does ``line[start:end]``, a run ftfy removes whole (a control character or its entity:
    ``&#127;``), stand between two letters or digits? Newswire lost a space or a letter there
    (``dlr&#127;untied``, ``p&#127;id``): removed, the words would run together."""
    return (
        start > 0
        and end < len(line)
        and line[start - 1].isalnum()
        and line[end].isalnum()
        and not ftfy.fix_text(line[start:end], FTFY_CONFIG)
    )


def _word_before(line: str, at: int) -> str:
    return re.findall(r"\w+$", line[:at])[0]


def _word_after(line: str, at: int) -> str:
    return re.findall(r"^\w+", line[at:])[0]


# Horizontal white space other than a plain space, and runs of it.
_SPACE_RUN = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
# A no-break space that typography wants: before ; : ! ? » and after «, and between digits
# (French, for instance), and narrow no-break spaces in the same places.
_KEEP_NBSP = re.compile(r"(?<=[«\d])[\u00a0\u202f](?=\S)|[\u00a0\u202f](?=[;:!?»%])")


_COLUMN_GAP = re.compile(r"[ \t]{2,}")
_WIDE_GAP = re.compile(r"(?<=\S)[ \t]{3,}(?=\S)")
# a gap before a figure, or a wide one: a label and its value, or two columns
_VALUE_GAP = re.compile(r"(?<=\S)(?:[ \t]{2,}(?=\d)|[ \t]{3,}(?=\S))")
SHORT_ROW = 80  # characters of a one-line paragraph that may be a row of a table


@functools.lru_cache(maxsize=16)  # asked once per white-space finding of one paragraph
def _table_lines(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of the lines that look like rows of a table set with spaces; their spacing
    is the layout. Rows are lines in a row, two or more, each with two or more gaps of several
    spaces (``Natl   Loan   Release``), or each with a gap before a figure or of three spaces or
    more, one of them that wide (``Due: 27    35`` above ``Transit: 35    41``): a typed text's
    two spaces after a full stop, line after line, is not a table. A paragraph of one short line
    that holds a figure is a row if it has such a gap (``Sum of adjustments      12.75``: wire
    tables often come a row a paragraph)."""
    lines = text.split("\n")
    if len(lines) == 1:
        row = len(text.strip()) <= SHORT_ROW and _has_digit(text) and _VALUE_GAP.search(text)
        return ((0, len(text)),) if row else ()
    spans, at = [], 0
    for line in lines:
        spans.append((at, at + len(line)))
        at += len(line) + 1
    columns = [len(_COLUMN_GAP.findall(line.strip())) >= 2 for line in lines]
    gapped = [bool(_VALUE_GAP.search(line)) for line in lines]
    rows = {k for k in range(len(lines)) if columns[k] and _next_to(columns, k)}
    k = 0
    while k < len(lines):  # runs of lines with a gap of a table, one of them wide
        end = k
        while end < len(lines) and gapped[end]:
            end += 1
        if end - k >= 2 and any(_WIDE_GAP.search(line) for line in lines[k:end]):
            rows.update(range(k, end))
        k = max(end, k + 1)
    return tuple(spans[k] for k in sorted(rows))


def _next_to(marks: list[bool], k: int) -> bool:
    return (k > 0 and marks[k - 1]) or (k + 1 < len(marks) and marks[k + 1])


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def in_table(text: str, at: int) -> bool:
    """Is offset ``at`` of ``text`` on a row of a table set with spaces?"""
    return "  " in text and _inside(_table_lines(text), at)


def _inside(spans: tuple[tuple[int, int], ...], at: int) -> bool:
    k = bisect.bisect_right(spans, (at, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= at < spans[k][1]


def whitespace_changes(text: str) -> list[Edit]:
    """Runs of spaces, tabs and stray no-break spaces in running text become one plain space,
    and none where they begin or end a line of the paragraph (an indent, a hard-wrapped line's
    trailing spaces); the columns of a table set with spaces are left as they are."""
    out = []
    tables = _table_lines(text) if "  " in text or "\t" in text else []
    for m in _SPACE_RUN.finditer(text):
        run = m.group()
        if len(run) == 1 and _KEEP_NBSP.match(text, m.start()):
            continue
        if tables and set(run) <= {" ", "\t"} and _inside(tables, m.start()):
            continue
        if text[m.start() - 1 : m.start()] == "\n":
            after, what = "", "at the start of a line, an indent, taken out"
        elif text[m.end() : m.end() + 1] == "\n":
            after, what = "", "at the end of a line taken out"
        else:
            after, what = " ", "replaced by one space"
        message = f"Stray white space ({_describe(run)}) {what}."
        out.append(
            local_edit(
                text, "whitespace", m.start(), m.end(), after, message, CONFIDENCE_WHITESPACE
            )
        )
    return out


# Invisible characters that carry nothing in published text and can hide or reorder what an
# editor sees: zero-width space, word joiner, a byte-order mark inside the text, and the bidi
# embedding, override and isolate controls (the "Trojan Source" characters). The joiners that
# scripts need (U+200C, U+200D) and the directional marks (U+200E, U+200F) stay.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]+")


def invisible_changes(text: str) -> list[Edit]:
    """Zero-width and bidi control characters removed."""
    return [
        local_edit(
            text,
            "invisible",
            m.start(),
            m.end(),
            "",
            f"Invisible character(s) removed ({', '.join(f'U+{ord(c):04X}' for c in m.group())}).",
            CONFIDENCE_WHITESPACE,
        )
        for m in _INVISIBLE.finditer(text)
    ]


def visible(text: str) -> bool:
    """True if ``text`` has something other than white space and invisible characters."""
    return bool(_INVISIBLE.sub("", text).strip())


def _describe(run: str) -> str:
    names = {
        "\u00a0": "no-break space",
        "\t": "tab",
        " ": "space",
        "\u202f": "narrow no-break space",
    }
    kinds = sorted({names.get(c, f"U+{ord(c):04X}") for c in run})
    return f"{len(run)} × " + "/".join(kinds) if len(run) > 1 else kinds[0]


# --- repeated title ------------------------------------------------------------------------------

TITLE_SIMILARITY = 90.0  # rapidfuzz ratio (0-100) above which a paragraph repeats the title


def title_key(text: str) -> str:
    """How a title and a paragraph compare: `normalise_line`, without the punctuation, spaces
    and symbols at either end (what is not a letter or a digit: ``[\\W_]`` in a pattern)."""
    key = normalise_line(text)
    start, end = 0, len(key)
    while start < end and not key[start].isalnum():
        start += 1
    while end > start and not key[end - 1].isalnum():
        end -= 1
    return key[start:end]


def repeats_title(paragraph: str, title: str) -> float | None:
    """The similarity (0-100) if ``paragraph`` repeats ``title``, else None.

    A paragraph repeats the title when it is nearly the same text, or when one is the other with
    a short tag added (a date, a site name: at most a fifth of the longer one).
    """
    p, t = title_key(paragraph), title_key(title)
    if not p or not t:
        return None
    score = fuzz.ratio(p, t)
    if score >= TITLE_SIMILARITY:
        return score
    short, long_ = sorted((p, t), key=len)
    if long_.startswith(short) and len(short) >= 0.8 * len(long_) and len(short.split()) >= 4:
        return 100.0 * len(short) / len(long_)
    return None


LABEL_MAX_WORDS = 5


def is_label(paragraph: str) -> bool:
    """A short line without sentence punctuation: a category label or a subheading."""
    words = paragraph.split()
    return 0 < len(words) <= LABEL_MAX_WORDS and not re.search(r"[.!?:;,\"“”]", paragraph)


# --- Arabic script -------------------------------------------------------------------------------

_ARABIC_LETTER = "\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff"
_TATWEEL = re.compile(f"(?<=[{_ARABIC_LETTER}])\u0640+(?=[{_ARABIC_LETTER}\u0640]|\\b)")
# presentation forms, but not the word ligatures (U+FDF0-FDFF: ﷺ and the like are written so)
_PRESENTATION = re.compile("[\ufb50-\ufdef\ufe70-\ufefe]+")


def arabic_changes(text: str) -> list[Edit]:
    """Arabic-script repairs, whatever the article's language: tatweel (kashida, ـ) used to
    stretch a word is removed, and presentation forms (the shaped letters that PDFs and old
    systems leave, ﻻ ﺍ ﻟ) become the letters they stand for (NFKC of those characters only)."""
    out = []
    for m in _TATWEEL.finditer(text):
        out.append(
            local_edit(
                text,
                "arabic-tatweel",
                m.start(),
                m.end(),
                "",
                "Tatweel (ـ) stretching an Arabic word removed: it is not a letter.",
                0.98,
            )
        )
    for m in _PRESENTATION.finditer(text):
        letters = unicodedata.normalize("NFKC", m.group())
        out.append(
            local_edit(
                text,
                "arabic-presentation-forms",
                m.start(),
                m.end(),
                letters,
                f"Arabic presentation forms ({len(m.group())} characters) replaced by the letters "
                "they stand for, so that the text can be searched and compared.",
                0.98,
            )
        )
    return out
