"""Rule packs are validated on load: a broken pack fails loudly with its file and rule id."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postedit.rules import RuleError, load_rules

GOOD_RULE = """\
  - id: ok
    kind: substitution
    description: d
    message: m
    action: fix
    confidence: 0.9
    match: colour
    replace: color
    examples:
      - fix: "a [[colour]]"
        to: color
      - keep: "a color"
"""


def write_pack(root: Path, body: str, where: str = "en/pack.yaml") -> Path:
    path = root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("rules:\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def load_error(root: Path) -> RuleError:
    with pytest.raises(RuleError) as info:
        load_rules(root)
    return info.value


def test_a_good_pack_loads_with_full_ids(tmp_path: Path) -> None:
    write_pack(tmp_path, GOOD_RULE)
    write_pack(tmp_path, GOOD_RULE, "en/from-ar/pack.yaml")
    ids = [r.id for r in load_rules(tmp_path).rules]
    assert ids == ["en.from-ar.ok", "en.ok"]


def test_selection_by_language_and_source(tmp_path: Path) -> None:
    write_pack(tmp_path, GOOD_RULE)
    write_pack(tmp_path, GOOD_RULE, "en/from-ar/pack.yaml")
    write_pack(tmp_path, GOOD_RULE, "fr/pack.yaml")
    rules = load_rules(tmp_path)
    assert [r.id for r in rules.for_language("en", None)] == ["en.ok"]
    assert [r.id for r in rules.for_language("en-GB", "ar")] == ["en.from-ar.ok", "en.ok"]
    assert [r.id for r in rules.for_language("fr", "ar")] == ["fr.ok"]
    assert rules.for_language(None, None) == ()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (GOOD_RULE.replace("replace: color", "replac: color"), "unknown field(s) ['replac']"),
        (GOOD_RULE.replace("    confidence: 0.9\n", ""), "missing field(s) ['confidence']"),
        (GOOD_RULE.replace("action: fix", "action: maybe"), "action must be"),
        (GOOD_RULE.replace("kind: substitution", "kind: magic"), "kind must be one of"),
        (GOOD_RULE.replace("confidence: 0.9", "confidence: 2"), "confidence must be"),
        (GOOD_RULE.replace('      - keep: "a color"\n', ""), "examples of both kinds"),
        (GOOD_RULE.replace('"a [[colour]]"', '"a colour"'), "mark the error"),
        (GOOD_RULE.replace("        to: color\n", ""), "needs 'to'"),
        (
            GOOD_RULE.replace("kind: substitution", "kind: regex").replace(
                "match: colour", "pattern: '(colour'"
            ),
            "does not compile",
        ),
        (
            GOOD_RULE.replace("kind: substitution", "kind: regex")
            .replace("match: colour", "pattern: '(col)our'")
            .replace("replace: color", "replace: '\\2or'"),
            "refers to group 2",
        ),
        (
            GOOD_RULE.replace("kind: substitution", "kind: regex").replace(
                "match: colour", "pattern: 'x*'"
            ),
            "matches the empty string",
        ),
    ],
)
def test_broken_rules_name_file_rule_and_reason(tmp_path: Path, body: str, reason: str) -> None:
    path = write_pack(tmp_path, body)
    error = load_error(tmp_path)
    assert str(path) in str(error)
    assert "en.ok" in str(error)
    assert reason in str(error)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "en" / "bad.yaml"
    path.parent.mkdir()
    path.write_text("rules: [\n  - id: x", encoding="utf-8")
    error = load_error(tmp_path)
    assert str(path) in str(error) and "invalid YAML" in str(error)


def test_two_packs_defining_the_same_id(tmp_path: Path) -> None:
    write_pack(tmp_path, GOOD_RULE, "en/a.yaml")
    second = write_pack(tmp_path, GOOD_RULE, "en/b.yaml")
    error = load_error(tmp_path)
    assert str(second) in str(error) and "already defined" in str(error)


def test_packs_outside_a_language_folder_are_refused(tmp_path: Path) -> None:
    write_pack(tmp_path, GOOD_RULE, "pack.yaml")
    assert "rules/<language>/" in str(load_error(tmp_path))


def test_a_rule_whose_examples_fail_is_reported(tmp_path: Path) -> None:
    from postedit.ruletest import check_rules

    write_pack(tmp_path, GOOD_RULE.replace('keep: "a color"', 'keep: "the colour"'))
    failures = check_rules(load_rules(tmp_path))
    assert len(failures) == 1
    assert failures[0].rule == "en.ok" and "changes text it must keep" in failures[0].reason


WORD_CHARS = st.sampled_from("aZß`'\u2019\u2018\u02bcİé-") | st.characters()


@given(st.text(alphabet=WORD_CHARS, max_size=12))
def test_a_word_compares_casefolded_with_plain_apostrophes(word: str) -> None:
    """`word_key` skips the translation where there is nothing to translate: the same key."""
    from postedit.rules import APOSTROPHES, word_key

    assert word_key(word) == word.casefold().translate(APOSTROPHES)


@given(st.text(alphabet=st.sampled_from("AaLlEe- \t`'\u2019İ") | st.characters(), max_size=16))
def test_a_name_compares_as_written_but_for_spaces_particles_and_apostrophes(text: str) -> None:
    """`name_form` looks for a particle and an apostrophe only where there can be one."""
    from postedit.rules import _PARTICLE, APOSTROPHES, name_form

    spaced = " ".join(text.split())
    assert name_form(text) == _PARTICLE.sub(lambda m: m.group().lower(), spaced).translate(
        APOSTROPHES
    )
