"""Every rule's own examples, with LanguageTool's checks (see postedit.ruletest)."""

from __future__ import annotations

import pytest
from conftest import RULES

from postedit.pipeline import Engine
from postedit.rules import load_rules
from postedit.ruletest import check_example

ALL = load_rules(RULES)
ENGINE = Engine(ALL)
CASES = [
    pytest.param(rule, example, id=f"{rule.id}:{n}")
    for rule in ALL.rules
    for n, example in enumerate(rule.examples)
]


def test_every_rule_has_examples_of_both_kinds() -> None:
    for rule in ALL.rules:
        kinds = {e.kind for e in rule.examples}
        assert "keep" in kinds and kinds - {"keep"}, rule.id


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in ALL.rules]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_example(rule, example) -> None:
    reason = check_example(rule, example, ENGINE)
    assert reason is None, f"{rule.path}: {rule.id}: {reason}"
