"""A mixed folder: English, French (MT with errors, and correct), German, Arabic and a language
with no pack. Each article gets its language, its packs, and no rule of another language."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import RULES, SEEDS

from postedit.langid import detect
from postedit.runner import Settings, cleanup

NNBSP, NBSP = "\u202f", "\u00a0"

FRENCH_MT = """\
Les factions armées annoncent une trêve

Le porte-parole a déclaré: "La trêve tiendra jusqu'à la fin des négociations."

Les chefs des des factions se sont réunis mardi à Bagdad ; ils ont exigé le départ des troupes.

La trêve tiendra-t-elle? Personne ne le sait, selon les observateurs de la région.

Aucun commentaire:
"""
FRENCH_CLEAN = f"""\
Le gouvernement salue l'accord

Le gouvernement irakien a salué mardi l'accord conclu avec la coalition internationale.

Le porte-parole a déclaré{NBSP}: « Cet accord ouvre une nouvelle étape dans nos relations. »

Nous nous sommes engagés à respecter la souveraineté de l'Irak, a ajouté le ministre.
"""
GERMAN = """\
Milizen verkünden Waffenruhe

Der Minister traf mit mit den Anführern der Milizen in Bagdad , um über die Waffenruhe zu reden.

Die Milizen, die die Stadt kontrollieren, stimmten der Vereinbarung am Dienstag zu.

Das Abkommen soll den Abzug der ausländischen Truppen aus dem Irak vorbereiten.
"""
ARABIC = """\
رئيس الوزراء يعلن هدنة

أعلن رئيـــس الوزراء العراقي محمد شياع السوداني, عن اتفاق لوقف إطلاق النار بين الفصائل المسلحة.

وقال المتحدث باسم الحكومة إن ﺍﻟﺤﻜﻮﻣﺔ ستتابع تنفيذ الاتفاق مع جميع الأطراف المعنية في البلاد.
"""
SWAHILI = """\
Mapatano ya amani

Waziri mkuu alitangaza mapatano kati ya makundi yenye silaha siku ya Jumanne jioni.

Viongozi wa makundi hayo walikubaliana kusitisha mashambulizi yote hadi mazungumzo yamalizike.
"""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> tuple[dict[str, dict], dict, Path]:
    root = tmp_path_factory.mktemp("mixed")
    inbox = root / "in"
    inbox.mkdir()
    (english,) = SEEDS.glob("002*")
    shutil.copy(english, inbox / "en.txt")
    for name, text in (
        ("fr-mt", FRENCH_MT),
        ("fr-clean", FRENCH_CLEAN),
        ("de", GERMAN),
        ("ar", ARABIC),
        ("sw", SWAHILI),
    ):
        (inbox / f"{name}.txt").write_text(text, encoding="utf-8")
    # the defaults make run uses: they must not turn French into English
    report = cleanup(Settings(inbox, RULES, root / "out", "en", "ar", decisions=None))
    lines = (root / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}, report, root / "out"


def test_each_article_gets_its_language(mixed) -> None:
    records, report, _ = mixed
    got = {k: (r["language"], r["source_language"]) for k, r in records.items()}
    assert got == {
        "en": ("en", "ar"),
        "fr-mt": ("fr", "ar"),
        "fr-clean": ("fr", "ar"),
        "de": ("de", "ar"),
        "ar": ("ar", None),  # Arabic text, not a translation from Arabic
        "sw": ("sw", "ar"),
    }
    for record in records.values():
        assert record["detected_language"] == record["language"]
        assert record["language_confidence"] >= 0.8
    languages = report["languages"]
    assert languages["sw from ar"]["note"] == "no rule pack for this language: repair only"
    assert languages["fr from ar"]["packs"] == [
        "fr/boilerplate.yaml",
        "fr/grammar.yaml",
        "fr/typography.yaml",
    ]


def test_no_rule_of_another_language_touches_an_article(mixed) -> None:
    records, _, _ = mixed
    for record in records.values():
        own = (f"{record['language']}.", "repair.", "dedup.", "grammar.")
        strangers = [e["rule"] for e in record["edits"] if not e["rule"].startswith(own)]
        assert not strangers, (record["id"], strangers)
    assert not records["sw"]["edits"]  # no pack, clean text: repairs found nothing


def test_a_french_mt_sample_is_cleaned(mixed) -> None:
    records, _, _ = mixed
    record = records["fr-mt"]
    text = record["text"]
    assert f"déclaré{NBSP}:" in text and f"tiendra-t-elle{NNBSP}?" in text
    assert f"Bagdad{NNBSP};" in text and "des des" not in text
    assert "Aucun commentaire" not in text
    flags = {e["rule"] for e in record["edits"] if e["action"] == "flag"}
    assert "fr.straight-quotes" in flags  # a suggestion, not a rewrite of a quotation
    assert '"La trêve' in text


def test_correct_french_is_left_unchanged(mixed) -> None:
    records, _, out = mixed
    record = records["fr-clean"]
    assert [e for e in record["edits"] if e["action"] == "fix"] == []
    assert (out / "diffs" / "fr-clean.diff").read_text() == ""
    assert "Nous nous sommes" in record["text"]


def test_german_keeps_its_nouns_and_its_die_die(mixed) -> None:
    records, _, _ = mixed
    record = records["de"]
    assert "mit mit" not in record["text"] and "Bagdad, um" in record["text"]
    assert "Die Milizen, die die Stadt" in record["text"]
    fixed = {e["before"] for e in record["edits"] if e["action"] == "fix"}
    assert fixed == {" mit", " "}
    assert not [e for e in record["edits"] if e["action"] == "flag"]  # no capitals flagged


def test_arabic_script_is_repaired_and_shown_right_to_left(mixed) -> None:
    records, _, out = mixed
    record = records["ar"]
    rules = {e["rule"] for e in record["edits"]}
    assert {"repair.arabic.tatweel", "repair.arabic.presentation-forms", "ar.latin-comma"} <= rules
    assert "رئيس الوزراء" in record["text"] and "السوداني، عن" in record["text"]
    assert "الحكومة ستتابع" in record["text"] and "ـ" not in record["text"]
    page = (out / "review" / "articles" / "ar.html").read_text(encoding="utf-8")
    assert '<p dir="auto" lang="ar">' in page  # the browser lays it out right to left


def test_language_identification_needs_enough_text() -> None:
    assert detect("Yes.") == (None, 0.0)
    code, confidence = detect("Le ministre a annoncé une trêve entre les factions armées.")
    assert code == "fr" and confidence > 0.9


def test_metadata_overrides_the_detected_language(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "quoted.md").write_text(
        "---\ntitle: Quoted\nlanguage: en\n---\n"
        "Le ministre a annoncé une trêve entre les factions armées mardi soir.\n",
        encoding="utf-8",
    )
    cleanup(Settings(inbox, RULES, tmp_path / "out", None, None, decisions=None))
    (record,) = map(json.loads, (tmp_path / "out" / "corpus.jsonl").read_text().splitlines())
    assert (record["language"], record["detected_language"]) == ("en", "fr")
