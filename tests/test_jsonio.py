"""Compact JSON through orjson, and through the json module where orjson refuses a value."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from postedit.jsonio import compact, indented, parse

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(VALUES)
def test_compact_text_reads_back_as_the_same_value_with_either_reader(value) -> None:
    text = compact(value, sort_keys=True)
    assert parse(text) == value
    assert json.loads(text) == value
    assert " " not in compact([1, {"a": 2}])


def test_what_orjson_refuses_is_written_and_read_by_the_json_module() -> None:
    lone = "broken \ud800 surrogate"
    assert json.loads(compact({"text": lone})) == {"text": lone}
    huge = 2**70
    assert parse(compact([huge])) == [huge]
    assert compact({1: "a"}) == '{"1":"a"}'  # a key that is not text, as json writes it
    assert parse("[NaN]")[0] != parse("[NaN]")[0]  # read, as the json module reads it


def test_the_corpus_line_format_is_the_json_modules() -> None:
    record = {"id": "a", "text": "Quoted “text”, é, 𝄞 and \n a line", "score": 87.5, "n": [1, 2]}
    assert compact(record) == json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    assert compact(record, sort_keys=True) == json.dumps(
        record, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


@given(VALUES)
def test_indented_text_is_the_json_modules_but_for_how_numbers_are_written(value) -> None:
    """Indentation, separators, key order and escapes are those of ``json.dumps(indent=2,
    sort_keys=True, ensure_ascii=False)``; the numbers are the same numbers."""
    text = indented(value)
    assert parse(text) == value and text.endswith("\n")
    plain = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if not _has_float(value):
        assert text == plain
    assert indented({2: [1, "\ud800"]}) == '{\n  "2": [\n    1,\n    "\ud800"\n  ]\n}\n'


def _has_float(value: object) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return isinstance(value, list) and any(_has_float(v) for v in value)
