"""Edits are the one currency: applying them, and mapping later stages back to the raw text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postedit.model import Edit, EditConflict, OffsetMap, apply_edits, sort_key


def fix(text: str, start: int, end: int, after: str, rule: str = "t.r") -> Edit:
    return Edit(rule, "fix", start, end, text[start:end], after, "m", 1.0)


def test_apply_edits_replaces_only_the_spans() -> None:
    text = "a truth and facts."
    edits = [fix(text, 2, 7, "truce"), fix(text, 12, 17, "factions")]
    assert apply_edits(text, edits) == "a truce and factions."


def test_flags_are_not_applied() -> None:
    text = "one two"
    flag = Edit("t.f", "flag", 0, 3, "one", "1", "m", 0.5)
    assert apply_edits(text, [flag]) == text


def test_apply_edits_to_a_slice() -> None:
    text = "title\n\nbody truth"
    edits = [fix(text, 12, 17, "truce")]
    assert apply_edits(text, edits, 7, len(text)) == "body truce"
    assert apply_edits(text, edits, 0, 5) == "title"


def test_overlapping_fixes_are_refused() -> None:
    text = "abcdef"
    with pytest.raises(EditConflict):
        apply_edits(text, [fix(text, 0, 3, "x"), fix(text, 2, 4, "y")])


def test_a_fix_that_does_not_match_the_text_is_refused() -> None:
    bad = Edit("t.r", "fix", 0, 3, "xyz", "q", "m", 1.0)
    with pytest.raises(EditConflict):
        apply_edits("abcdef", [bad])


def test_offset_map_maps_unchanged_text_back() -> None:
    raw = "xx  yy truth"
    fixes = [fix(raw, 2, 4, " ")]  # two spaces -> one
    new = apply_edits(raw, fixes)
    omap = OffsetMap.build(raw, fixes)
    start = new.index("truth")
    assert omap.to_original(start, start + 5) == (raw.index("truth"), len(raw))
    assert not omap.touches_fix(start, start + 5)
    assert omap.touches_fix(1, 4)  # covers the rewritten space


def test_offset_map_does_not_take_in_deleted_text() -> None:
    raw = "keep DELETED end"
    fixes = [fix(raw, 4, 12, "")]
    assert apply_edits(raw, fixes) == "keep end"
    omap = OffsetMap.build(raw, fixes)
    assert omap.to_original(0, 4) == (0, 4)
    assert omap.to_original(4, 8) == (12, 16)


@st.composite
def texts_with_fixes(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(st.text(alphabet="ab c\u00a0.", min_size=0, max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for i in range(0, len(cuts) - 1, 2):
        after = draw(st.text(alphabet="XY ", max_size=4))
        edits.append(fix(text, cuts[i], cuts[i + 1], after))
    return text, edits


@given(texts_with_fixes())
def test_text_outside_the_spans_is_unchanged(case: tuple[str, list[Edit]]) -> None:
    text, edits = case
    new = apply_edits(text, edits)
    shift = 0
    pos = 0
    for edit in sorted(edits, key=sort_key):
        gap = text[pos : edit.start]
        assert new[pos + shift : edit.start + shift] == gap
        assert new[edit.start + shift : edit.start + shift + len(edit.after)] == edit.after
        shift += len(edit.after) - (edit.end - edit.start)
        pos = edit.end
    assert new[pos + shift :] == text[pos:]


@settings(max_examples=1000, deadline=None)
@given(texts_with_fixes(), st.data())
def test_offset_map_round_trips_untouched_spans(
    case: tuple[str, list[Edit]], data: st.DataObject
) -> None:
    text, edits = case
    new = apply_edits(text, edits)
    omap = OffsetMap.build(text, edits)
    a = data.draw(st.integers(0, len(new)))
    b = data.draw(st.integers(a, len(new)))
    if not omap.touches_fix(a, b):
        start, end = omap.to_original(a, b)
        assert 0 <= start <= end <= len(text)
        assert text[start:end] == new[a:b]


def test_a_held_fix_is_said_in_the_record_and_read_back() -> None:
    held = Edit("r", "flag", 0, 1, "a", "b", "Not applied: a guard.", 0.9, held=True)
    assert held.to_dict()["held"] is True and Edit.from_dict(held.to_dict()) == held
    plain = Edit("r", "fix", 0, 1, "a", "b", "m", 0.9)
    assert "held" not in plain.to_dict() and Edit.from_dict(plain.to_dict()) == plain
