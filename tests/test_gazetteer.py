"""Gazetteers: one line per entity, checked like any rule, and cheap at thousands of entries."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import RULES, SEEDS

from postedit.pipeline import Engine
from postedit.read import ReadDefaults, ReadError, read_folder
from postedit.rules import RuleError, load_rules
from postedit.ruletest import check_rules
from postedit.synthetic import gazetteer_yaml


def pack(tmp_path: Path, text: str) -> Path:
    """A rules folder with ``text`` as its English pack, and the repairs every folder has."""
    (tmp_path / "en").mkdir(parents=True, exist_ok=True)
    (tmp_path / "en" / "names.yaml").write_text(text, encoding="utf-8")
    if not (tmp_path / "any").exists():
        shutil.copytree(RULES / "any", tmp_path / "any")
    return tmp_path


def test_one_line_is_one_checked_rule(tmp_path: Path) -> None:
    rules = load_rules(
        pack(
            tmp_path,
            "entities:\n  - {name: Fuad Hussein, type: person, spellings: [Fouad Hussein],"
            " errors: [Fuad Hassan]}\n",
        )
    )
    (rule,) = [r for r in rules.rules if r.language == "en"]
    assert rule.id == "en.entity-fuad-hussein" and rule.replace == "Fuad Hussein"
    assert {e.kind for e in rule.examples} == {"fix", "keep"}
    assert {e.text for e in rule.examples if e.kind == "keep"} >= {
        "Officials said that Fouad Hussein was mentioned in the statement."
    }
    assert check_rules(rules) == []


def _clean(rules_dir: Path, text: str):
    from postedit.model import Article
    from postedit.pipeline import clean_article
    from postedit.read import split_paragraphs
    from postedit.render import clean_text

    rules = load_rules(rules_dir)
    raw = Article("a", "a", text, "0" * 64, "", split_paragraphs(text), language="en")
    article = clean_article(raw, Engine(rules))
    body = clean_text(article)
    return body, [(body[m.start : m.end], m.entity, m.name) for m in article.entities]


NAMES = (
    "entities:\n"
    "  - {name: Kataib Hezbollah, type: group, spellings: [Kata'ib Hezbollah, Kataeb Hezbollah]}\n"
    "  - {name: Alina Romanowski, type: person, errors: [Elena Romanski]}\n"
)


def test_spellings_are_kept_and_recorded_errors_are_fixed(tmp_path: Path) -> None:
    body, mentions = _clean(
        pack(tmp_path, NAMES),
        "Kataeb Hezbollah and Kata\u2019ib Hezbollah\u2019s men met Elena Romanski "
        "and Alina Romanowski's aide; Kataib Hezbollah agreed.",
    )
    assert body == (
        "Kataeb Hezbollah and Kata\u2019ib Hezbollah\u2019s men met Alina Romanowski "
        "and Alina Romanowski's aide; Kataib Hezbollah agreed."
    )
    kh, ar = "en.entity-kataib-hezbollah", "en.entity-alina-romanowski"
    assert mentions == [
        ("Kataeb Hezbollah", kh, "Kataib Hezbollah"),
        ("Kata\u2019ib Hezbollah", kh, "Kataib Hezbollah"),
        ("Alina Romanowski", ar, "Alina Romanowski"),
        ("Alina Romanowski", ar, "Alina Romanowski"),
        ("Kataib Hezbollah", kh, "Kataib Hezbollah"),
    ]


def test_a_lowercase_phrase_or_a_broken_name_is_not_a_mention(tmp_path: Path) -> None:
    _, mentions = _clean(
        pack(tmp_path, NAMES), "kataib hezbollah. Kataib. Hezbollah said. Kataib  Hezbollah"
    )
    assert mentions == [("Kataib Hezbollah", "en.entity-kataib-hezbollah", "Kataib Hezbollah")]


def test_a_pack_may_rewrite_its_spellings(tmp_path: Path) -> None:
    body, mentions = _clean(
        pack(tmp_path, "rewrite_spellings: true\n" + NAMES), "Kata\u2019ib Hezbollah said so."
    )
    assert body == "Kataib Hezbollah said so."
    assert mentions == [("Kataib Hezbollah", "en.entity-kataib-hezbollah", "Kataib Hezbollah")]


def test_variants_keep_canonical_case_and_ignore_al_case(tmp_path: Path) -> None:
    rules = load_rules(
        pack(
            tmp_path,
            "entities:\n"
            "  - {name: Abu Baqir al-Saadi, type: person, errors: [Abu Baqer al-Saadi]}\n",
        )
    )
    engine = Engine(rules)
    from postedit.correct import Paragraph, resolve

    hits = resolve(
        engine.matcher("en", None).hits(
            Paragraph("killed Abu Baqer Al-Saadi and abu baqer al-saadi")
        )
    )
    assert [(h.start, h.after) for h in hits] == [(7, "Abu Baqir al-Saadi")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("  - {name: Al-X Y, type: person, errors: [al-X  Y]}", "is the name itself"),
        ("  - {name: X Y, type: robot, errors: [X Z]}", "type must be one of"),
        ("  - {name: X Y, errors: []}", "needs 'spellings' or 'errors'"),
        ("  - {name: X Y, spellings: X Z}", "must be a list of names"),
        ("  - {name: X Y, spellings: [X Z], errors: [X  Z]}", "both a spelling and an error"),
        ("  - {name: X Y, variants: [X Z]}", "'variants' is split in two: 'errors'"),
        ("  - {name: X Y, errors: [X Z], colour: red}", "unknown entity field"),
        (
            "  - {name: X Y, errors: [X Z], context: {require: [{words: [a]}]}}",
            "its own examples",
        ),
        (
            "  - {name: X Y, spellings: [X Z]}\n  - {name: X W, spellings: [X Z]}",
            "'X Z' also names en.entity-x-y",
        ),
    ],
)
def test_bad_entities_name_file_and_entity(tmp_path: Path, line: str, reason: str) -> None:
    path = pack(tmp_path, "entities:\n" + line + "\n") / "en" / "names.yaml"
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path)
    assert str(path) in str(info.value) and reason in str(info.value)


class CountingDict(dict):
    probes = 0

    def get(self, key, default=None):
        CountingDict.probes += 1
        return super().get(key, default)


def _probes(rules_dir: Path) -> int:
    """Dictionary probes the literal matcher makes to read the seeds."""
    from postedit.correct import Tokens

    rules = load_rules(rules_dir)
    index = Engine(rules).matcher("en", "ar").literals
    index.entries = CountingDict(index.entries)
    CountingDict.probes = 0
    for article in read_folder(SEEDS, ReadDefaults("en", "ar")):
        if not isinstance(article, ReadError):
            for span in article.paragraphs:
                index.find(Tokens(article.raw[span.start : span.end]))
    return CountingDict.probes


def test_five_thousand_entities_cost_less_than_twice_the_real_gazetteer(tmp_path: Path) -> None:
    """The work of the literal matcher, counted (timings are in benchmarks/bench_gazetteer.py):
    one probe per word and phrase length, however many names the packs hold."""
    big = tmp_path / "big"
    shutil.copytree(RULES, big)
    (big / "en" / "synthetic.yaml").write_text(gazetteer_yaml(5000), encoding="utf-8")
    assert len(load_rules(big).rules) >= 5000
    ratio = _probes(big) / _probes(RULES)
    assert ratio < 2.0, f"5,000 entities cost {ratio:.2f}x the probes of the real gazetteer"


def _near_names_read_phrase_by_phrase(near, text: str) -> list[tuple[int, int, object]]:
    """`NearNames.find` as it read every phrase of two words or more from each capital,
    each with `NearNames.near`, with nothing skipped: what the found phrases must stay."""
    import itertools

    from postedit.gazetteer import MAX_GAP, NAME_TOKEN
    from postedit.rules import name_form

    tokens = list(NAME_TOKEN.finditer(text))
    out, i = [], 0
    while i < len(tokens):
        found = None
        for n in (
            range(min(near.longest, len(tokens) - i), 1, -1)
            if tokens[i].group()[0].isupper()
            else ()
        ):
            span = tokens[i : i + n]
            if any(b.start() - a.end() > MAX_GAP for a, b in itertools.pairwise(span)):
                continue
            start, end = span[0].start(), span[-1].end()
            phrase = text[start:end]
            if phrase.endswith(("'s", "’s")):
                end, phrase = end - 2, phrase[:-2]
            if name_form(phrase) in near.exact:
                break
            entity = near.near(name_form(phrase).casefold(), n)  # the phrase's own check
            if entity is not None:
                found = (start, end, entity)
                break
        if found is None:
            i += 1
            continue
        out.append(found)
        while i < len(tokens) and tokens[i].start() < found[1]:
            i += 1
    return out


def test_near_names_found_by_reading_ahead_are_those_of_every_phrase(rules) -> None:
    """Phrases are skipped from their first word (short and no form's, or far from every
    form's): on text made of the gazetteer's forms, misspelt, recased, cut, joined by odd gaps
    and set among other words, the near misses found are those of reading every phrase."""
    import random

    near = Engine(rules).near_names("en", "ar")
    forms = sorted({f for forms, _ in near.by_length.values() for f in forms} | near.exact)
    rng = random.Random(7)

    def altered(form: str) -> str:
        chars = list(form.title() if rng.random() < 0.5 else form)
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            k = rng.randrange(len(chars))
            chars[k : k + 1] = rng.choice(([], [chars[k], chars[k]], ["e"], ["a"], ["’"]))
        words = "".join(chars).split()
        if len(words) > 2 and rng.random() < 0.2:
            words = words[: rng.randrange(2, len(words))]
        gap = rng.choice((" ", " ", " ", " - ", ", ", "  ", "-", "' "))
        text = gap.join(words)
        return text + rng.choice(("", "", "'s", "’s", "."))

    filler = ("The", "In", "He", "Iraqi", "Minister", "of", "the", "Prime", "Baghdad", "said")
    filler += ("that", "a", "US", "Al", "Ahmed", "met", "on", "Higher", "Operation", "Tracy")
    found = 0
    for _ in range(400):
        parts = [altered(rng.choice(forms)) if rng.random() < 0.4 else rng.choice(filler)
                 for _ in range(rng.randint(3, 14))]  # fmt: skip
        text = " ".join(parts)
        want = _near_names_read_phrase_by_phrase(near, text)
        assert near.find(text) == want, text
        found += len(want)
    assert found > 50  # the texts do hold near misses


def _mentions_read_word_by_word(index, text: str) -> list:
    """`EntityIndex.find` as it tried a mention from every word of the text."""
    from postedit.gazetteer import _WORD, MAX_GAP
    from postedit.model import Mention
    from postedit.rules import name_form, word_key

    found = list(_WORD.finditer(text))
    words = [word_key(m.group()) for m in found]
    out, i = [], 0
    while i < len(found):
        best, key = None, ()
        for j in range(i, min(i + index.longest, len(found))):
            if j > i and found[j].start() - found[j - 1].end() > MAX_GAP:
                break
            key += (words[j],)
            for entity, form in index.entries.get(key, ()):
                if name_form(text[found[i].start() : found[j].end()]) == form:
                    best = (j, entity)
                    break
            if key not in index.prefixes:
                break
        if best is None:
            i += 1
            continue
        j, entity = best
        out.append(Mention(found[i].start(), found[j].end(), entity.id, entity.name))
        i = j + 1
    return out


def test_mentions_found_from_the_words_that_begin_a_form_are_those_of_every_word(rules) -> None:
    """Mentions are looked for only from a word that begins some form: on text made of the
    gazetteer's forms (recased, cut, with typographic apostrophes, non-ASCII letters and odd
    gaps) among other words, they are those of trying every word."""
    import random

    index = Engine(rules).entity_index("en", "ar")
    forms = sorted({form for entries in index.entries.values() for _, form in entries})
    rng = random.Random(11)

    def altered(form: str) -> str:
        form = rng.choice((form, form, form.upper(), form.lower(), form.replace("'", "’")))
        words = form.split()
        if len(words) > 1 and rng.random() < 0.25:
            words = words[: rng.randrange(1, len(words))]
        return rng.choice((" ", " ", " - ", ",  ", "\n")).join(words)

    filler = ("The", "Straße", "of", "Iraq", "al", "Al", "Prime", "Minister", "é", "said", "U.S.")
    found = 0
    for _ in range(400):
        parts = [altered(rng.choice(forms)) if rng.random() < 0.4 else rng.choice(filler)
                 for _ in range(rng.randint(2, 14))]  # fmt: skip
        text = rng.choice((" ", ", ")).join(parts)
        want = _mentions_read_word_by_word(index, text)
        assert index.find(text) == want, text
        found += len(want)
    assert found > 100  # the texts do hold mentions
