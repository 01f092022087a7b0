"""The packs on sentences no seed contains: new wordings of the same error classes, and
legitimate uses of the same words. Precision and recall are measured per rule, not assumed."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from postedit.model import Article
from postedit.pipeline import Engine, clean_article
from postedit.read import split_paragraphs
from postedit.render import clean_text

SIDES = ["the armed factions", "Hamas and Israel", "the two warring sides", "the militias"]
TRUCE_ERRORS = [
    "{s} agreed to a truth that will last until the end of the month.",
    "Violations of the truth between {s} were reported near the border.",
    "Mediators said {s} had extended the truth after a week of fighting.",
    "The truth announced by {s} collapsed after new attacks on Tuesday.",
]
TRUCE_KEEP = [
    "Nobody knows the truth about what {s} discussed in Cairo.",
    "Relatives of the victims said {s} must tell the truth.",
    "The truth is that {s} have not stopped their attacks.",
    "Journalists covering {s} say the truth will come out.",
]
FACTIONS_ERRORS = [
    "The armed facts announced that they would resume attacks on the bases.",
    "Officials said the facts had given guarantees to halt their attacks.",
    "The government accused the facts of violating the truce in Diyala.",
]
FACTIONS_KEEP = [
    "The facts on the ground show that the attacks have stopped.",
    "Investigators are still gathering the facts about the attack.",
    "These facts show that the ceasefire is holding.",
]
ENTITY_ERRORS = [
    (
        "Officials from the Supreme Military Committee met in Baghdad on Sunday.",
        "Higher Military Commission",
    ),
    (
        "The High Military Committee will assess the coalition mission.",
        "Higher Military Commission",
    ),
    ("Ambassador Elena Romanski met the foreign minister, Fouad Hussein.", "Alina Romanowski"),
    ("The Popular Crowd Forces deployed around the city overnight.", "Popular Mobilization Forces"),
]
ENTITY_KEEP = [
    "A higher military committee of the African Union met in Addis Ababa.",
    "The supreme court rejected the appeal on Monday.",
    "Sudan's army chief met the Sudanese government delegation in Port Sudan.",
    # acceptable spellings: kept as they are, and recorded as the entity
    "Prime Minister Muhammad Shiaa al-Sudani received the envoy.",
    "A statement by Kata\u2019ib Hezbollah claimed the drone attack.",
    "Prime Minister Mohammed Shia Al-Sudani chaired the meeting.",
    "The killing of Qasem Soleimani was recalled by Kataeb Hezbollah.",
]
ENTITY_SPELLINGS = [
    (ENTITY_KEEP[3], "Muhammad Shiaa al-Sudani", "en.entity-mohammed-shia-al-sudani"),
    (ENTITY_KEEP[4], "Kata\u2019ib Hezbollah", "en.entity-kataib-hezbollah"),
    (ENTITY_KEEP[5], "Mohammed Shia Al-Sudani", "en.entity-mohammed-shia-al-sudani"),
    (ENTITY_KEEP[6], "Qasem Soleimani", "en.entity-qassem-soleimani"),
]
SUDANI_ERRORS = [
    "Protesters in Baghdad demanded that the Sudanese government resign over power cuts.",
    "The Iraqi parliament summoned ministers of the Sudanese government over the budget.",
]
SUDANI_KEEP = [
    "In Khartoum, the Sudanese government announced a curfew.",
    "The Sudanese government and the Rapid Support Forces met in Jeddah.",
]
WEEKDAY_ERRORS = [
    "The minister arrived in Erbil, Al-Khamis, for talks with Kurdish leaders.",
    "Parliament will vote on Al-Ithnayn morning, a deputy said.",
]
WEEKDAY_KEEP = [
    "Khamis al-Khanjar said the vote would go ahead.",
    "Al-Khamis, a tribal leader from Anbar, welcomed the decision.",
]
DEBRIS_ERRORS = [
    ("The envoy met the foreign minister in Baghdad. Ta. The talks lasted two hours.", " Ta."),
    (
        "Turkey shelled positions in Duhok. He stressed that. The army did not comment.",
        " He stressed that.",
    ),
    ("The strike hit a depot near Qaim, officials said. Reuters.", " Reuters."),
    ("A joint joint statement was issued after the meeting.", " joint"),
    ("The budget was approved.. The session then ended.", ".."),
    ("The governor of Basra , Asaad al-Eidani, opened the port.", " "),
]
DEBRIS_KEEP = [
    "“We will not stay,” he stressed. The talks resumed on Monday.",
    "He said that that was not the plan, the spokesman told AFP.",
    "They demanded the withdrawal of the forces from... the country.",
    "The meeting ended at 5 p.m. on Tuesday, officials said.",
]


def clean(text: str) -> Article:
    article = Article(
        id="t",
        source="t",
        raw=text,
        raw_sha256="0" * 64,
        title="",
        paragraphs=split_paragraphs(text),
        language="en",
        source_language="ar",
    )
    return clean_article(article, ENGINE)


ENGINE: Engine


@pytest.fixture(autouse=True, scope="module")
def engine(rules):
    global ENGINE
    ENGINE = Engine(rules)


def fixes(article: Article, prefix: str) -> list:
    return [e for e in article.fixes if e.rule.startswith(prefix)]


def measure(errors: list[str], keeps: list[str], prefix: str) -> tuple[float, float]:
    counts: Counter[str] = Counter()
    for sentence in errors:
        counts["tp" if fixes(clean(sentence), prefix) else "fn"] += 1
    for sentence in keeps:
        counts["fp" if fixes(clean(sentence), prefix) else "tn"] += 1
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    return precision, recall


def expand(templates: list[str]) -> list[str]:
    return [t.format(s=s) for t, s in itertools.product(templates, SIDES)]


@pytest.mark.parametrize(
    ("errors", "keeps", "prefix"),
    [
        (expand(TRUCE_ERRORS), expand(TRUCE_KEEP), "en.from-ar.truth-truce"),
        (FACTIONS_ERRORS, FACTIONS_KEEP, "en.from-ar.facts-factions"),
        ([e for e, _ in ENTITY_ERRORS], ENTITY_KEEP, "en.entity-"),
        (SUDANI_ERRORS, SUDANI_KEEP, "en.from-ar.sudanese-government"),
        (WEEKDAY_ERRORS, WEEKDAY_KEEP, "en.from-ar.transliterated-weekday"),
        ([e for e, _ in DEBRIS_ERRORS], DEBRIS_KEEP, "en."),
    ],
    ids=["truce", "factions", "entities", "sudani", "weekdays", "debris"],
)
def test_precision_and_recall_on_unseen_sentences(errors, keeps, prefix) -> None:
    precision, recall = measure(errors, keeps, prefix)
    assert precision == 1.0, f"{prefix}: precision {precision:.2f}"
    assert recall == 1.0, f"{prefix}: recall {recall:.2f}"


def test_entities_become_their_canonical_name() -> None:
    for sentence, name in ENTITY_ERRORS:
        assert name in clean_text(clean(sentence)), sentence


def test_spellings_stay_and_are_recorded_as_their_entity() -> None:
    for sentence, spelling, entity in ENTITY_SPELLINGS:
        article = clean(sentence)
        text = clean_text(article)
        assert text == sentence
        assert (spelling, entity) in [(text[m.start : m.end], m.entity) for m in article.entities]


def test_debris_is_removed_exactly() -> None:
    for sentence, removed in DEBRIS_ERRORS:
        article = clean(sentence)
        assert [e.before for e in article.fixes if e.rule.startswith("en.")] == [removed]
