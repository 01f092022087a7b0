"""The rule engine: one-pass literal matching, context guards, case, overlaps."""

from __future__ import annotations

import textwrap
from pathlib import Path

from postedit.correct import LiteralIndex, Matcher, Paragraph, Tokens, preserve_case, resolve
from postedit.rules import load_rules


def pack(tmp_path: Path, body: str) -> Matcher:
    path = tmp_path / "en" / "p.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("rules:\n" + textwrap.dedent(body), encoding="utf-8")
    return Matcher(load_rules(tmp_path).for_language("en", None))


def rule_yaml(rid: str, match: str, replace: str, extra: str = "", action: str = "fix") -> str:
    return f"""
  - id: {rid}
    kind: substitution
    description: d
    message: m
    action: {action}
    confidence: 0.9
    match: {match}
    replace: {replace}
{textwrap.indent(textwrap.dedent(extra), "    ")}
    examples:
      - {action}: "x [[{match.strip("[]").split(",")[0].strip()}]] y"
        to: "{replace}"
      - keep: "nothing here"
"""


def changes(matcher: Matcher, text: str) -> list[tuple[str, str, str]]:
    hits = resolve(matcher.hits(Paragraph(text)))
    return [(h.rule.id, text[h.start : h.end], h.after) for h in hits]


def test_preserve_case() -> None:
    assert preserve_case("truth", "truce") == "truce"
    assert preserve_case("Truth", "truce") == "Truce"
    assert preserve_case("TRUTH", "truce") == "TRUCE"
    assert preserve_case("Al-Khanis", "Thursday") == "Thursday"


def test_phrases_match_on_word_boundaries_only(tmp_path: Path) -> None:
    m = pack(tmp_path, rule_yaml("a", "truth", "truce"))
    assert changes(m, "truthful untruth truth.") == [("en.a", "truth", "truce")]


def test_multiword_phrases_do_not_cross_punctuation(tmp_path: Path) -> None:
    m = pack(tmp_path, rule_yaml("a", "Higher Military Committee", "Higher Military Commission"))
    assert changes(m, "the Higher  Military\nCommittee met") == [
        ("en.a", "Higher  Military\nCommittee", "Higher Military Commission")
    ]
    assert changes(m, "the Higher. Military Committee met") == []


def test_context_require_and_forbid(tmp_path: Path) -> None:
    extra = """
    context:
      require:
        - words: [faction*, attack*]
      forbid:
        - words: [lie]
          within: 3
    """
    m = pack(tmp_path, rule_yaml("a", "truth", "truce", extra))
    assert changes(m, "The factions agreed to a truth.") == [("en.a", "truth", "truce")]
    assert changes(m, "They agreed to a truth. The factions left.") == []  # other sentence
    assert changes(m, "The factions called the truth a lie.") == []


def test_context_neighbours(tmp_path: Path) -> None:
    extra = r"""
    context:
      not_preceded_by: '\btell\s+the\s+'
      not_followed_by: '\s+is\b'
    """
    m = pack(tmp_path, rule_yaml("a", "truth", "truce", extra))
    assert changes(m, "tell the truth now") == []
    assert changes(m, "the truth is out") == []
    assert changes(m, "the truth holds") == [("en.a", "truth", "truce")]


def test_overlaps_resolve_leftmost_longest(tmp_path: Path) -> None:
    m = pack(
        tmp_path,
        rule_yaml("short", "Military Committee", "MC")
        + rule_yaml("long", "Higher Military Committee", "HMC"),
    )
    assert changes(m, "the Higher Military Committee") == [
        ("en.long", "Higher Military Committee", "HMC")
    ]


def test_literal_lookup_does_not_depend_on_the_number_of_phrases() -> None:
    from postedit.rules import Rule

    rule = Rule(
        "en.x",
        "substitution",
        "p",
        "en",
        None,
        "d",
        "m",
        "fix",
        1.0,
        0,
        phrases=tuple(f"name{i} surname{i}" for i in range(5000)),
        replace="X",
    )
    index = LiteralIndex([rule])
    toks = Tokens("a name4999 surname4999 b name7 c")
    assert [(s, e) for _, s, e in index.find(toks)] == [(2, 22)]
    # one dictionary probe per token and phrase length, not one per phrase
    assert index.longest == 2 and len(index.entries) == 5000
