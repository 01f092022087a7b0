"""Packs that apply by what the article is: the machine-translation estimate, its gate on the
packs for MT text (``rules/en/mt/``), the guessed source language, and the story check of name
spellings across the reports of one story. Every sentence here is written for these tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from postedit import consistency
from postedit.consistency import StoryFindings, names_of, story_findings, variants
from postedit.model import Article
from postedit.pipeline import Engine, clean_article
from postedit.read import Found, ReadDefaults, make_article
from postedit.render import clean_text
from postedit.rules import load_rules
from postedit.runner import Settings, cleanup
from postedit.translation import THRESHOLD, likelihood

FLUENT = (
    "Officials said on Tuesday that about 10000 people had left the coastal towns.\n\n"
    "The regional council said the evacuation would continue through the weekend."
)
# the same facts, with the symptoms MT leaves: a doubled word, pivot debris, a cut attribution
SYMPTOMS = (
    "Officials said said on Tuesday that about 10000 people had left the coastal towns. Ta.\n\n"
    '"The evacuation will continue through the weekend." The council said.'
)
FROM_ARABIC = (
    "The factions said that the truth with the American forces would hold, after the attacks "
    "on the bases stopped.\n\n"
    "The statement was read in Baghdad by Sheikh Abu Ali al-Hamdani, the spokesman of the "
    "Hashd in Basra. Ta.\n\n"
    "He emphasized that."
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_rules(RULES))


def cleaned(engine: Engine, text: str, **fields: object) -> Article:
    found = Found("a.txt", "a", "utf-8", (), ReadDefaults("en", None))
    return clean_article(make_article(text, found, {"title": "A", **fields}), engine)


def rules_of(article: Article) -> set[str]:
    return {e.rule for e in article.edits}


def test_a_fluent_article_is_not_treated_as_machine_translated(engine: Engine) -> None:
    article = cleaned(engine, FLUENT)
    assert article.translation is not None and article.translation.basis == "symptoms"
    assert article.translation.likelihood < THRESHOLD
    assert not [r for r in rules_of(article) if r.startswith("en.mt.")]
    assert "10000" in article.raw and not article.edits  # nothing "corrected"


def test_symptoms_make_an_article_machine_translated_and_its_pack_applies(engine: Engine) -> None:
    article = cleaned(engine, SYMPTOMS)
    assert article.translation.likelihood >= THRESHOLD
    assert {"en.doubled-word", "en.pivot-debris"} <= set(article.translation.evidence)
    fixes = {(e.rule, e.before, e.after) for e in article.edits if e.action == "fix"}
    assert ("en.mt.thousands-separator", "10000", "10,000") in fixes
    assert ("en.mt.attribution-cut-off", '." The council said.', '," the council said.') in fixes


def test_the_metadata_decides_where_it_says(engine: Engine) -> None:
    declared = cleaned(engine, FLUENT, machine_translated="yes")
    assert (declared.translation.likelihood, declared.translation.basis) == (1.0, "declared")
    assert "en.mt.thousands-separator" in rules_of(declared)
    human = cleaned(engine, SYMPTOMS, machine_translated="no")
    assert (human.translation.likelihood, human.translation.basis) == (0.0, "declared")
    assert not [r for r in rules_of(human) if r.startswith("en.mt.")]
    assert "en.doubled-word" in rules_of(human)  # the packs for any English text still apply
    with_source = cleaned(engine, FLUENT, source_language="fa")
    assert with_source.translation.basis == "declared"
    assert with_source.translation.source_language == "fa"


def test_the_source_language_is_guessed_from_the_cues_of_an_mt_article(engine: Engine) -> None:
    article = cleaned(engine, FROM_ARABIC)
    assert article.source_language is None  # what was declared stays as it was
    assert article.translation.source_language == "ar"
    truce = [e for e in article.edits if e.rule == "en.from-ar.truth-truce"]
    assert [(e.before, e.after, e.action) for e in truce] == [("truth", "truce", "fix")]
    # the same text, declared written by a person: no pack for translated text touches it
    human = cleaned(engine, FROM_ARABIC, machine_translated="no")
    assert human.translation.source_language is None
    assert not [r for r in rules_of(human) if ".from-ar." in r or ".mt." in r]


def test_the_estimate_counts_each_rule_twice_at_most() -> None:
    weights = {"a": 0.3, "b": 0.5}
    assert likelihood({"a": 2}, weights) == round(1 - 0.7**2, 3)
    assert likelihood({"a": 2, "b": 1}, weights) == round(1 - 0.7**2 * 0.5, 3)
    assert likelihood({}, weights) == 0.0


def test_name_variants_are_alike_names_not_two_people() -> None:
    assert variants("Alina Romanowski", "Elina Romanowsky")
    assert not variants("John Smith", "Joan Smith")  # short words that differ: two people
    assert not variants("Alina Romanowski", "Alina Romanowski")
    assert not variants("Alina Romanowski", "Alina Maria Romanowski")


def test_the_minority_spelling_of_a_story_is_found() -> None:
    names = {
        "a": names_of("The envoy Alina Romanowski met the speaker.", {"the"}),
        "b": names_of("The speaker met Alina Romanowski in the capital.", {"the"}),
        "c": names_of("Elina Romanowsky spoke to reporters.", set()),
    }
    found = story_findings(["a", "b", "c"], names)
    assert list(found) == ["c"]
    (finding,) = found["c"]
    assert (finding.spelling, finding.other, finding.votes, finding.reports) == (
        "Elina Romanowsky",
        "Alina Romanowski",
        2,
        3,
    )
    # two reports against two: no majority, no flag; a known form is never flagged
    names["d"] = names["c"]
    assert story_findings(["a", "b", "c", "d"], names) == {}
    assert story_findings(["a", "b", "c"], names, known={"Elina Romanowsky"}) == {}


def test_story_findings_are_made_a_story_at_a_time_as_articles_are_asked_for() -> None:
    spelled = {
        "Alina": names_of("The envoy Alina Romanowski met the speaker.", {"the"}),
        "Elina": names_of("Elina Romanowsky spoke to reporters.", set()),
    }
    members = {
        "s1": ["a", "b", "c"],
        "s2": ["d", "e", "f"],
        "s3": ["g"],
    }
    spelling = dict(a="Alina", b="Alina", c="Elina", d="Elina", e="Elina", f="Alina", g="Elina")
    names = {i: spelled[s] for i, s in spelling.items()}
    clusters = {i: {"id": s, "role": "related"} for s, ids in members.items() for i in ids}
    asked: list[list[str]] = []

    def counting(ids, names, known=()):  # type: ignore[no-untyped-def]
        asked.append(list(ids))
        return story_findings(ids, names, known)

    checked = {"a", "b", "c", "d", "e"}  # f's language has the check off
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(consistency, "story_findings", counting)
        found = StoryFindings(clusters, members, names, (), checked.__contains__)
        assert found.get("c") and found.get("a") is None
        assert asked == [["a", "b", "c"]]  # one story checked, once
        assert found.get("f") is None and found.get("g") is None and found.get("zz") is None
        assert asked == [["a", "b", "c"], ["d", "e", "f"]]  # a lone article: no check
        eager = {
            i: f
            for ids in members.values()
            if len(ids) > 1
            for i, f in story_findings(ids, names).items()
            if i in checked
        }
    assert dict(found) == eager and list(eager) == ["c"]  # f is flagged, but not checked


def test_a_tie_between_majority_spellings_is_settled_the_same_way_on_every_run() -> None:
    # two spellings with two votes each, both better than the third: which one the flag
    # suggests must not depend on the order of a set (strings hash anew in each process)
    script = (
        "from postedit.consistency import story_findings\n"
        "names = {'a': ['Alina Romanowski', 'Elina Romanowsky'], 'b': ['Alina Romanowski'],"
        " 'c': ['Elina Romanowsky'], 'd': ['Alina Romanowsk']}\n"
        "print(story_findings(list(names), names))\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(8)
    }
    assert len(seen) == 1, seen
    assert "Alina Romanowsk'" in seen.pop()  # the minority spelling is flagged


STORY = [
    "The ambassador {name} met the speaker of parliament in the capital on Monday to discuss "
    "the coming elections and the budget that the government sent to parliament last month.",
    "According to a statement from the speaker's office, the two sides discussed the security "
    "situation in the northern provinces and the return of families who fled the fighting.",
    "The statement added that the speaker stressed the importance of holding the elections on "
    "time and of passing the budget before the end of the legislative term in the summer.",
]


def test_a_run_flags_the_name_one_report_of_a_story_spells_otherwise(tmp_path: Path) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    spellings = {"r1": "Alina Romanowski", "r2": "Alina Romanowski", "r3": "Elina Romanowsky"}
    for stem, name in spellings.items():
        body = "\n\n".join(p.format(name=name) for p in STORY)
        (inbox / f"{stem}.txt").write_text(f"Speaker meets envoy\n\n{body}\n", encoding="utf-8")
    cleanup(Settings(inbox, RULES, out, "en", None))
    records = {r["id"]: r for r in map(json.loads, (out / "corpus.jsonl").read_text().splitlines())}
    assert len({r["cluster"]["id"] for r in records.values()}) == 1  # one story
    flags = {
        i: [(e["before"], e["after"]) for e in r["edits"] if e["rule"] == "story.inconsistent-name"]
        for i, r in records.items()
    }
    assert flags == {"r1": [], "r2": [], "r3": [("Elina Romanowsky", "Alina Romanowski")]}
    page = next((out / "review").rglob("r3*.html")).read_text(encoding="utf-8")
    assert "Other reports of this story write" in page


def test_a_near_miss_of_a_name_is_flagged_but_not_of_a_transliterated_one(engine: Engine) -> None:
    text = (
        "The envoy Elina Romanowsky met Prime Minister Mohamed Shia al-Sudani in Baghdad.\n\n"
        "The Higher military committee’s work was discussed."
    )
    article = cleaned(engine, text)
    near = [(e.before, e.after, e.action) for e in article.edits if e.rule == "en.near-known-name"]
    assert near == [
        ("Elina Romanowsky", "Alina Romanowski", "flag"),
        ("Higher military committee", "Higher Military Commission", "flag"),
    ]  # Mohamed for Mohammed is a spelling of a transliterated name: not flagged


def test_a_spun_article_gets_one_flag_naming_its_tells(engine: Engine) -> None:
    text = (
        "The ruling events said the new law does no longer protect the workers.\n\n"
        "The federal court docket turned into asked to rule on it, and the safety forces were "
        "on the streets."
    )
    article = cleaned(engine, text)
    (flag,) = [e for e in article.edits if e.rule == "en.spun-text"]
    assert (flag.action, flag.before, flag.after) == ("flag", "ruling events", "")
    for tell in ("ruling events", "does no longer", "federal court docket", "safety forces"):
        assert f"“{tell}”" in flag.message
    assert "4 tells" in flag.message and flag.message.index("ruling") < flag.message.index("does")
    assert clean_text(article) == text  # nothing changed
    two = text.replace("ruling events", "ruling parties").replace("safety forces", "police")
    assert not [e for e in cleaned(engine, two).edits if e.rule == "en.spun-text"]


def test_cues_match_whole_words_only_whatever_they_begin_with() -> None:
    from postedit.rules import parse_cues

    def fail(message: str) -> Exception:
        return ValueError(message)

    text = "Sheikh al-Amiri met Sheikhs in Basra; abu-Basra, 'Abu' and al-Basra's envoy came."
    words = parse_cues({"words": ["al-*", "Basra", "Sheikh"], "at_least": 1}, fail)
    found = [m.group() for m in words.pattern.finditer(text)]
    assert found == ["Sheikh", "al-Amiri", "Basra", "al-Basra's"]
    quoted = parse_cues({"words": ["'Abu'", "Basra"], "at_least": 1}, fail)  # not a word start
    assert [m.group() for m in quoted.pattern.finditer(text)] == ["Basra", "'Abu'"]


CUE_WORDS = ["al-*", "Basra", "Sheikh", "Kata'ib", "dinar*", "abu", "'Abu'"]
# what a text of cues is made of: the cues, pieces of words, and what separates them
CUE_PIECES = [*(w.rstrip("*") for w in CUE_WORDS), "AL-", "basras", "x", "-", "'", "’", "é"]
CUE_PIECES += [" ", "\n", "\n\n", "\t", "\u00a0", ".", "\r\n"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(CUE_PIECES),
        max_size=30,
    ).map("".join)
)
def test_cues_counted_a_line_at_a_time_are_those_of_the_whole_text(text: str) -> None:
    """No cue holds white space, so a text's cues are those of its lines read alone (kept by
    line: reposts share most of theirs); with a cue of two words, the whole text is read."""
    from postedit.rules import parse_cues

    def fail(message: str) -> Exception:
        return ValueError(message)

    def whole(pattern) -> int:  # type: ignore[no-untyped-def]
        return len({m.group().casefold() for m in pattern.finditer(text)})

    single = parse_cues({"words": CUE_WORDS, "at_least": 1}, fail)
    assert single.by_line
    assert single.count(text) == whole(single.pattern)
    phrase = parse_cues({"words": [*CUE_WORDS, "Basra Sheikh"], "at_least": 1}, fail)
    assert not phrase.by_line
    assert phrase.count(text) == whole(phrase.pattern)
