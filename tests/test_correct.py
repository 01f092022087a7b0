"""The rule engine: one-pass literal matching, context guards, case, overlaps."""

from __future__ import annotations

import textwrap
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from postedit.correct import LiteralIndex, Matcher, Paragraph, Tokens, preserve_case, resolve
from postedit.rules import TOKEN_RE, load_rules, tokens


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


# --- the per-hit checks cost what a lookup costs: the same answers as reading the text ---------

VOCAB = ["the", "army", "said", "truce", "truth", "a", "arm", "armed"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    words=st.lists(st.sampled_from(VOCAB), max_size=150),
    phrases=st.lists(
        st.tuples(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=3), st.booleans()),
        min_size=1,
        max_size=4,
    ),
    window=st.tuples(*[st.integers(0, 160)] * 4),
)
def test_the_word_index_finds_what_reading_the_window_finds(words, phrases, window) -> None:
    from postedit import correct
    from postedit.rules import Words

    group = Words(
        tuple((*p[:-1], p[-1] + "*" if star else p[-1]) for p, star in phrases),
        "paragraph",
    )
    lo, hi = sorted(min(w, len(words)) for w in window[:2])
    i, j = sorted(window[2:])
    scan, correct.SCAN = correct.SCAN, -1  # every window looked up
    try:
        looked_up = correct._in(correct.WordIndex(words), group, lo, hi, (i, j))
    finally:
        correct.SCAN = scan
    assert looked_up == correct._scan(words, group, lo, hi, (i, j))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    cuts=st.lists(st.integers(0, 200), max_size=12, unique=True),
    start=st.integers(0, 210),
    length=st.integers(0, 20),
)
def test_span_lookup_agrees_with_a_scan(cuts, start, length) -> None:
    from postedit.pipeline import Spans

    cuts = sorted(cuts)
    spans = list(zip(cuts[::2], cuts[1::2], strict=False))
    end = start + length
    scan = any((lo < end and start < hi) or lo <= start < hi for lo, hi in spans)
    assert Spans(spans).touch(start, end) == scan


def test_a_quotation_may_run_over_paragraphs() -> None:
    from postedit.correct import unbalanced

    pairs = ("“”", "()", '""')
    opened = "The minister said: “We will stay until the job is done."
    goes_on = "“We will not leave our allies.”"
    assert unbalanced(opened, pairs, "", goes_on) == []  # closed in the next paragraph
    assert unbalanced(goes_on, pairs, opened, "") == []  # reopened by convention, then closed
    assert unbalanced("It ended.” Then nothing.", pairs, "", "") == [9]  # never opened
    assert unbalanced(opened, pairs, "", "Nothing else was said.") == [19]  # never closed


def test_an_opening_quote_that_ends_a_quotation_is_one_flag_not_two() -> None:
    from postedit.correct import unbalanced

    text = "He said: “The method works. “"
    assert unbalanced(text, ("“”", '""')) == [len(text) - 1]


def test_a_paragraph_seen_before_gets_the_hits_of_its_own_context(
    tmp_path: Path, monkeypatch
) -> None:
    """A pattern's matches in a text are kept for its next paragraph with that text (a repost);
    the context checks are still made against each paragraph's own surroundings, and only the
    last few texts are kept."""
    from postedit import correct

    body = """
  - id: council
    kind: regex
    description: d
    message: m
    action: flag
    confidence: 0.9
    pattern: '\\bthe council\\b'
    context:
      require:
        - words: [Baghdad]
          within: before
    examples:
      - flag: "Talks in Baghdad went on, and [[the council]] met."
      - keep: "Talks in Cairo went on, and the council met."
"""
    monkeypatch.setattr(correct, "MATCHES_KEPT", 3)
    m = pack(tmp_path, body)
    text = "He said the council met on Monday."
    befores = ["Talks in Baghdad.", "Talks in Cairo.", "Talks in Baghdad.", "Talks in Cairo."]
    seen = [[h.start for h in m.hits(Paragraph(text, 1, 2, before=b))] for b in befores]
    fresh = [
        [h.start for h in pack(tmp_path, body).hits(Paragraph(text, 1, 2, before=b))]
        for b in befores
    ]
    assert seen == fresh == [[8], [], [8], []]
    for k in range(5):
        m.hits(Paragraph(f"Text number {k}."))
    assert len(m._kept.texts) == 3 and text not in m._kept.texts


def test_what_the_text_alone_decides_is_found_once_for_all_its_contexts(
    tmp_path: Path, monkeypatch
) -> None:
    """A repost's paragraph after other paragraphs: its literal and pattern hits are not looked
    for again, but a rule whose context reads the paragraphs before is checked against them."""
    from postedit import correct

    body = rule_yaml(
        "sudani",
        "the Sudanese government",
        "al-Sudani's government",
        """
        context:
          require:
            - words: [Baghdad, Iraq]
              within: before
        """,
    ) + rule_yaml("teh", "teh", "the")
    m = pack(tmp_path, body)
    looked: list[str] = []
    find = correct.LiteralIndex.find

    def counting(self: LiteralIndex, toks: Tokens) -> list:
        looked.append(toks.text)
        return find(self, toks)

    monkeypatch.setattr(correct.LiteralIndex, "find", counting)
    text = "teh minister said the Sudanese government would meet."
    befores = ["Talks in Baghdad.", "Talks in Khartoum.", "", "Talks in Iraq."]
    seen = [
        sorted((h.rule.id, h.start) for h in m.hits(Paragraph(text, 1, 2, before=b)))
        for b in befores
    ]
    assert looked == [text]  # one look for four contexts
    m.hits(Paragraph(text, -1, 2))
    assert looked == [text, text]  # a title is looked at as a title
    fresh = [
        sorted(
            (h.rule.id, h.start) for h in pack(tmp_path, body).hits(Paragraph(text, 1, 2, before=b))
        )
        for b in befores
    ]
    both = [("en.sudani", 18), ("en.teh", 0)]
    assert seen == fresh == [both, [("en.teh", 0)], [("en.teh", 0)], both]


def test_boilerplate_is_looked_for_once_a_text_and_placed_at_each_paragraph(
    tmp_path: Path, monkeypatch
) -> None:
    """A site's footer is in each of its articles: a text's boilerplate is looked for once, and
    whether a rule with ``last`` applies is decided at each paragraph by its place (never in
    the title)."""
    from postedit import correct

    body = """
  - id: footer
    kind: boilerplate
    description: d
    message: m
    action: fix
    confidence: 0.99
    last: 2
    paragraphs: ["No comments:"]
    examples:
      - fix: "[[No comments:]]"
        to: ""
      - keep: "The minister spoke."
  - id: labels
    kind: boilerplate
    description: d
    message: m
    action: fix
    confidence: 0.99
    last: 3
    pattern: '\\ALabels:[^.]{0,80}\\Z'
    examples:
      - fix: "[[Labels: Iraq, oil]]"
        to: ""
      - keep: "The minister spoke."
  - id: share
    kind: boilerplate
    description: d
    message: m
    action: fix
    confidence: 0.99
    pattern: '\\AShare this[^.]{0,40}\\Z'
    examples:
      - fix: "[[Share this on X]]"
        to: ""
      - keep: "The minister spoke."
"""
    m = pack(tmp_path, body)
    looked: list[str] = []
    regex_hits = correct.Matcher._regex_hits

    def counting(self: Matcher, rule, text: str, toks):  # type: ignore[no-untyped-def]
        looked.append(text)
        return regex_hits(self, rule, text, toks)

    monkeypatch.setattr(correct.Matcher, "_regex_hits", counting)
    texts = ["No comments:", "Labels: Iraq, oil", "Share this on X", "The minister spoke."]
    places = [(-1, 6), (0, 6), (3, 6), (4, 6), (5, 6), (2, 6), (0, 1)]

    def found(matcher: Matcher) -> list[list[str]]:
        return [
            [h.rule.id for h in matcher.boilerplate_hits(Paragraph(t, i, n))]
            for i, n in places
            for t in texts
        ]

    seen = found(m)
    assert sorted(looked) == sorted(t for t in texts for _ in ("labels", "share"))  # once a text
    fresh = found(pack(tmp_path, body))
    assert seen == fresh
    by_place = [seen[k : k + len(texts)] for k in range(0, len(seen), len(texts))]
    share, both = ["en.share"], [["en.footer"], ["en.labels"], ["en.share"], []]
    assert by_place[0] == [[], [], share, []]  # the title: only a rule without `last`
    assert by_place[1] == by_place[5] == [[], [], share, []]  # 6 and 4 from the end
    assert by_place[2] == [[], ["en.labels"], share, []]  # 3 from the end: in the last 3
    assert by_place[3] == by_place[4] == by_place[6] == both  # 2 and 1 from the end


def test_tokens_compare_as_words_do_whatever_the_script() -> None:
    """Words are read from the text's lower case where it is ASCII, else one by one
    (`word_key`): the same words either way, and the sentence of each."""
    import random

    rng = random.Random(5)
    pieces = ["Kata’ib", "AL-Sudani's", "STRASSE", "Straße", "the", "U.S.", "  ", ". ", "? ", "İz"]
    pieces += ["don't", "x-y-z", "`quoted`", "ﬁnal", "Ωmega", "—", "3.5", "said.\n\n", "ΣΑΣ"]
    for _ in range(300):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        toks = Tokens(text)
        assert toks.words == tokens(text), text
        assert [text[s:e] for s, e in zip(toks.starts, toks.ends, strict=True)] == [
            m.group() for m in TOKEN_RE.finditer(text)
        ]
        assert len(toks.sentence) == len(toks.words)
    ascii_text = "The U.S. said. Then it-was don't"
    assert Tokens(ascii_text).words == ["the", "u", "s", "said", "then", "it-was", "don't"]
    assert Tokens(ascii_text).sentence == [0, 0, 0, 1, 2, 2, 2]
