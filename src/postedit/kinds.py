"""Rule kinds shared by every language and parameterised by its pack, rather than one regex
copied and edited per language. Each is written in a pack like any rule (with its own examples,
in that language) and becomes a ``regex`` rule when the pack is loaded.

- ``doubled-word``: the same lower-case word twice (or more) in a row, none of them part of a
  hyphenated word, the repeats removed in one fix;
  ``except``: the words a language legitimately doubles (German "die die", English "had had"), as
  a list or space-separated.
- ``space-before``: the space a language wants before some punctuation; ``marks``: the marks
  (e.g. ``";!?"``); ``space``: what belongs before them ("" for none, U+202F or U+00A0 for
  French typography). Only marks followed by a space or the end of the text, so that times
  (10:30), URLs and decimals are left alone.
"""

from __future__ import annotations

from typing import Any

import regex

SHARED_KINDS = ("doubled-word", "space-before")
SPACES = " \t\u00a0\u202f"


def expand(entry: Any, fail: Any) -> Any:
    """``entry`` as a ``regex`` rule if its kind is a shared one; otherwise unchanged."""
    if not isinstance(entry, dict) or entry.get("kind") not in SHARED_KINDS:
        return entry
    entry = dict(entry)
    kind = entry.pop("kind")
    if kind == "doubled-word":
        words = entry.pop("except", [])
        words = words.split() if isinstance(words, str) else words  # YAML reads a bare no as false
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise fail("'except' must be a list of words")
        keep = "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))
        guard = f"(?!(?:{keep})\\b)" if keep else ""
        # a word of a hyphenated compound is not doubled ("a break-in in 1999", "in in-fighting")
        # a run of three or more is one word ("will will will be"): the repeats go in one fix.
        # The word is taken whole at once (possessive): only the whole word can be followed by
        # a space, and giving letters back one by one at every word cost half the scan
        pattern = f"\\b(?<!-){guard}(\\p{{Ll}}[\\p{{Ll}}\\p{{M}}]++)\\K(?:[{SPACES}]+\\1\\b(?!-))+"
        return {**entry, "kind": "regex", "pattern": pattern, "replace": ""}
    marks, space = entry.pop("marks", None), entry.pop("space", None)
    if not isinstance(marks, str) or not marks or not isinstance(space, str):
        raise fail("a space-before rule needs 'marks' (a string of marks) and 'space'")
    if any(c not in SPACES for c in space) or len(space) > 1:
        raise fail("'space' must be empty or one space character")
    klass = "".join(regex.escape(c) for c in marks)
    pattern = f'(?<=[\\p{{L}}\\p{{N}})\\]»”"])[{SPACES}]*(?=[{klass}](?:[\\s)»”"]|$))'
    return {**entry, "kind": "regex", "pattern": pattern, "replace": space}
