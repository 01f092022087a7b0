"""Repair: ftfy, white space, repeated titles and labels, as changes with spans."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import RULES

from postedit.pipeline import Engine, clean_article
from postedit.repair import ftfy_changes, is_label, repeats_title, whitespace_changes
from postedit.rules import RuleError, load_rules
from postedit.ruletest import article_of

BROKEN = "The coalitionâ€™s  mission\u200b ended on Sunday, officials said.\n\n" * 2


def apply(text: str, changes) -> str:
    out, pos = [], 0
    for c in sorted(changes, key=lambda c: c.start):
        out += [text[pos : c.start], c.after]
        pos = c.end
    return "".join([*out, text[pos:]])


def test_ftfy_mojibake_becomes_small_named_changes() -> None:
    text = "the coalitionâ€™s mission and the â€œextraordinaryâ€\x9d meeting"
    changes = ftfy_changes(text)
    assert apply(text, changes) == "the coalition’s mission and the “extraordinary” meeting"
    assert {c.rule for c in changes} == {"ftfy.mojibake"}  # the pack names it repair.ftfy...
    assert all(len(text[c.start : c.end]) <= 3 for c in changes)  # only the broken characters


def test_ftfy_keeps_curly_quotes_and_full_width_punctuation() -> None:
    assert ftfy_changes("“quoted” and ‘single’ ，。") == []


def test_ftfy_repairs_each_line_of_a_paragraph_on_its_own() -> None:
    """ftfy leaves entities alone in text with a "<" (it may be HTML); in a paragraph of
    hard-wrapped lines, a ticker in angle brackets on one line does not shield the next."""
    text = "CRA Ltd <CRAA.S> said it expected to\npay 13 cents for&#127;the year."
    (edit,) = ftfy_changes(text)
    assert text[edit.start : edit.end] == "&#127;" and edit.after == ""
    assert ftfy_changes("CRA Ltd <CRAA.S> paid 13 cents for&#127;the year.") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [("a 500 mln dlr&#127;untied loan", ("dlr", "untied")), ("has been p&#127;id.", ("p", "id"))],
)
def test_a_control_character_between_two_words_is_flagged_not_taken_out(text, words) -> None:
    """Newswire archives lost a space or a letter where a control character stands: taking it
    out would run the words together (dlruntied, pid), so the editor is shown it."""
    (edit,) = ftfy_changes(text)
    assert (edit.action, edit.held, edit.before, edit.after) == ("flag", True, "&#127;", "")
    assert f"“{words[0]}” and “{words[1]}” together" in edit.message
    # at a word's edge it is taken out: nothing runs together
    for edge in (text.replace("&#127;", " &#127;"), "&#2; FEDERAL RESERVE REPORT"):
        assert [(e.action, e.before) for e in ftfy_changes(edge)] == [
            ("fix", "&#127;" if "127" in edge else "&#2;")
        ]
    # mojibake between letters is repaired as before
    assert [e.action for e in ftfy_changes("MÃ¼ller and the fiancÃ©e")] == ["fix", "fix"]


def test_white_space_that_begins_or_ends_a_line_is_taken_out_not_made_a_space() -> None:
    # a list of figures keeps its lines; their indents would have begun each with a space
    text = "Shr 27 cts vs 29 cts  \n    Net 13,555,000 vs 14,635,000\n\tRevs 104.6 mln"
    assert apply(text, whitespace_changes(text)) == (
        "Shr 27 cts vs 29 cts\nNet 13,555,000 vs 14,635,000\nRevs 104.6 mln"
    )
    assert apply("a  b", whitespace_changes("a  b")) == "a b"  # inside a line: one space


def test_whitespace_runs_and_stray_no_break_spaces() -> None:
    text = "a  b\u00a0c\t\td"
    assert apply(text, whitespace_changes(text)) == "a b c d"
    assert {c.rule for c in whitespace_changes(text)} == {"whitespace"}


def test_typographic_no_break_spaces_are_kept() -> None:
    text = "Il a dit\u00a0: «\u00a0non\u00a0» et 2\u00a0500 soldats\u00a0!"
    assert whitespace_changes(text) == []


def test_repeated_title() -> None:
    title = (
        "An “extraordinary” meeting of the armed factions in Iraq.. What about the truce?, 20 JUNE"
    )
    body = "An “extraordinary” meeting of the armed factions in Iraq.. What about the truce?"
    assert repeats_title(body, title) is not None
    assert repeats_title("The factions met on Wednesday to discuss the truce.", title) is None


def test_labels() -> None:
    assert is_label("Statements and Initiatives")
    assert not is_label("The factions met on Wednesday.")
    assert not is_label("A much longer line that has far too many words to be a label")


def test_the_columns_of_a_table_set_with_spaces_are_left_alone() -> None:
    from postedit.repair import whitespace_changes

    table = "Wheat   Loan   Release\nCorn    2.36   2.40\nThe bank  said so."
    (change,) = whitespace_changes(table)  # the running text only
    assert table[change.start : change.end] == "  " and change.start > table.index("said") - 3


def test_a_wire_table_of_two_columns_keeps_its_spacing() -> None:
    """Rows of one gap each, line after line (one gap wide), and a table that came a row a
    paragraph (a short line whose gap comes before a figure): their spacing is the layout."""
    from postedit.repair import whitespace_changes

    rows = "             2/26  2/27\nDue: 27    35\n Scheduled to Transit: 35    41"
    assert whitespace_changes(rows) == []
    for row in ("Sum of adjustments              12.75", "2/26  2/27", "60-90 days    unquoted"):
        assert whitespace_changes(row) == [], row


def test_typed_spaces_in_running_text_are_still_made_one() -> None:
    """Two spaces after a full stop on line after line (a typewriter's habit), a double space in
    a short line without a figure, and one before a figure in a long line are not tables."""
    from postedit.repair import whitespace_changes

    typed = "It gave no details.  Interest is due today.\nIt resigned.  It gave no reason."
    assert [typed[c.start : c.end] for c in whitespace_changes(typed)] == ["  ", "  "]
    assert len(whitespace_changes("The minister   said on Monday.")) == 1
    long = "The company said its net profit for the year rose to  12.5 mln dlrs from 9.4 mln."
    assert len(whitespace_changes(long)) == 1


def _repaired(rules_dir: Path) -> list[tuple[str, str, bool]]:
    article = clean_article(article_of(BROKEN, "en", None), Engine(load_rules(rules_dir)))
    return sorted((e.rule, e.action, e.held) for e in article.edits)


def test_the_repairs_are_rules_of_the_any_pack(tmp_path: Path) -> None:
    """Every repair runs because a rule in rules/any/ turns it on, under the id it gives."""
    edits = _repaired(RULES)
    assert any(rule.startswith("repair.ftfy.") for rule, _, _ in edits)  # the step named
    assert ("repair.whitespace", "fix", False) in edits
    assert ("repair.invisible", "fix", False) in edits
    assert ("dedup.repeated-paragraph", "fix", False) in edits
    (tmp_path / "en").mkdir()
    shutil.copy(RULES / "en" / "stopwords.yaml", tmp_path / "en")
    assert _repaired(tmp_path) == []  # no rules/any/: no repair runs


def test_a_repair_rule_that_flags_holds_its_fixes_back(tmp_path: Path) -> None:
    (tmp_path / "any").mkdir()
    (tmp_path / "any" / "repairs.yaml").write_text(
        "rules:\n"
        "  - {id: repair.spacing, kind: repair, repair: whitespace, description: d,\n"
        "     action: flag, confidence: 0.7, examples: [{flag: 'a[[  ]]b'}, {keep: 'a b'}]}\n",
        encoding="utf-8",
    )
    edits = _repaired(tmp_path)
    assert edits == [("repair.spacing", "flag", True)] * 2  # held: accepting applies it


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("{id: repair.nothing, kind: repair, repair: nothing, description: d, action: fix, "
         "confidence: 0.9, examples: []}", "names its built-in repair"),
        ("{id: whitespace, kind: repair, repair: whitespace, description: d, action: fix, "
         "confidence: 0.9, examples: []}", "a family and a name"),
    ],
)  # fmt: skip
def test_a_bad_repair_rule_stops_the_load(tmp_path: Path, entry: str, reason: str) -> None:
    (tmp_path / "any").mkdir()
    (tmp_path / "any" / "repairs.yaml").write_text(f"rules:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(RuleError, match=reason):
        load_rules(tmp_path)


def test_a_title_key_drops_what_is_not_a_letter_or_digit_at_either_end() -> None:
    import re
    import sys

    from postedit.repair import title_key

    # "not a letter or a digit" is what a pattern's [\W_] is, for every character there is
    edge = re.compile(r"[\W_]")
    assert all(
        (edge.fullmatch(c) is not None) == (not c.isalnum())
        for c in map(chr, range(sys.maxunicode + 1))
    )
    assert title_key("  «Truce holds in Basra» — ") == "truce holds in basra"
    assert title_key("__ 2024 _") == "2024"
    assert title_key("... — !") == ""
