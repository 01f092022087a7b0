"""Repair: ftfy, white space, repeated titles and labels, as changes with spans."""

from __future__ import annotations

from postedit.repair import ftfy_changes, is_label, repeats_title, whitespace_changes


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
    assert {c.rule for c in changes} == {"repair.ftfy.mojibake"}
    assert all(len(text[c.start : c.end]) <= 3 for c in changes)  # only the broken characters


def test_ftfy_keeps_curly_quotes_and_full_width_punctuation() -> None:
    assert ftfy_changes("“quoted” and ‘single’ ，。") == []


def test_whitespace_runs_and_stray_no_break_spaces() -> None:
    text = "a  b\u00a0c\t\td"
    assert apply(text, whitespace_changes(text)) == "a b c d"
    assert {c.rule for c in whitespace_changes(text)} == {"repair.whitespace"}


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
