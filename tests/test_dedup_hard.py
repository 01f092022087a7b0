"""De-duplication on the shapes real corpora have: a corpus written for it (tests/data/dedup-hard)
with templates, a shared footer, a shared background paragraph, a report inside a longer
roundup, a cut and a padded repost, a chain, two attacks on one city, and one statement
translated twice. Each shape is asserted on its own, so that a failure names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import RULES

from postedit.dedup import (
    REPORTS,
    DedupConfig,
    Item,
    Passage,
    boilerplate,
    cluster,
    compare,
    deduplicate_items,
    memo_from_state,
)
from postedit.grammar import GrammarSettings
from postedit.runner import Settings, cleanup

HARD = Path(__file__).parent / "data" / "dedup-hard"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[dict[str, dict], dict, dict]:
    out = tmp_path_factory.mktemp("dedup-hard")
    report = cleanup(Settings(HARD, RULES, out, "en", None, grammar=GrammarSettings("off")))
    records = {r["id"]: r for r in map(json.loads, (out / "corpus.jsonl").open(encoding="utf-8"))}
    clusters = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    return records, clusters, report


def story(records: dict[str, dict], article: str) -> str:
    return records[article]["cluster"]["id"]


def apart(records: dict[str, dict], *articles: str) -> bool:
    return len({story(records, a) for a in articles}) == len(articles)


def test_a_cut_and_a_padded_repost_are_duplicates_of_the_original(run) -> None:
    records, clusters, _ = run
    for repost in ("talks-cut", "talks-padded"):
        c = records[repost]["cluster"]
        assert (c["role"], c["of"]) == ("duplicate", "talks-original"), repost
    # the original is the canonical: as complete as the padded copy, and earlier
    assert records["talks-original"]["cluster"]["role"] == "canonical"
    evidence = clusters["talks-original"]
    assert "earliest" in evidence["canonical"]["why"]
    whys = {(link["a"], link["b"]): link["why"] for link in evidence["links"]}
    assert "cut repost" in whys[("talks-cut", "talks-original")]


def test_a_report_inside_a_longer_roundup_is_related_not_a_duplicate(run) -> None:
    records, _, _ = run
    c = records["music-sale"]["cluster"]
    assert (c["role"], c["of"]) == ("related", "memorabilia-roundup")


def test_templates_with_other_figures_or_names_are_not_duplicates(run) -> None:
    records, _, _ = run
    for article in ("div-harbor", "div-birch", "div-cobalt", "rates-week1", "rates-week2"):
        assert records[article]["cluster"]["role"] != "duplicate", article
    # other figures: not even one story
    assert apart(records, "div-harbor", "div-birch")
    assert apart(records, "rates-week1", "rates-week2")


def test_a_footer_shared_by_unrelated_articles_joins_nothing(run) -> None:
    records, _, report = run
    assert apart(records, "foot-port", "foot-bridge", "foot-election", "foot-football")
    learned = report["dedup"]["boilerplate"]
    assert any("newsl" in passage["words"] and passage["articles"] == 4 for passage in learned)


def test_a_shared_background_paragraph_joins_nothing(run) -> None:
    records, _, _ = run
    assert apart(records, "bg-suspension", "bg-continue", "bg-pentagon")


def test_no_chain_a_story_is_a_star_around_its_centre(run) -> None:
    records, _, _ = run
    assert story(records, "chain-b") == "chain-a"  # shares a quote with the centre
    assert story(records, "chain-c") != "chain-a"  # shares one only with chain-b


def test_two_attacks_on_one_city_on_other_days_stay_apart(run) -> None:
    records, _, _ = run
    assert apart(records, "erbil-jan10", "erbil-jan24")


def test_one_statement_translated_twice_is_one_story(run) -> None:
    records, _, _ = run
    assert story(records, "statement-tr1") == story(records, "statement-tr2")
    roles = {records[a]["cluster"]["role"] for a in ("statement-tr1", "statement-tr2")}
    assert roles == {"canonical", "related"}  # two reports, both kept


def test_the_dedup_view_keeps_everything_but_the_two_reposts(run) -> None:
    records, _, _ = run
    removed = {k for k, r in records.items() if r["cluster"]["role"] == "duplicate"}
    assert removed == {"talks-cut", "talks-padded"}


# --- the mechanisms, on items --------------------------------------------------------------------


def item(article_id: str, passages: list[tuple[str, str]], **fields) -> Item:
    made = tuple(Passage(k, 0, 1, w, n) for k, (w, n) in enumerate(passages))
    return Item(
        article_id, 100 * len(made), 0, fields.get("date"), made, title=fields.get("title", "")
    )


WORDS = [f"alpha{k} bravo{k} charl{k} delta{k} echo{k} foxtr{k} golf{k}" for k in range(6)]


def test_figures_that_disagree_make_no_match() -> None:
    a = item("a", [(w, "18 16") for w in WORDS[:3]])
    b = item("b", [(w, "25 20") for w in WORDS[:3]])
    assert compare(a, b, DedupConfig()) is None
    c = item("c", [(w, "") for w in WORDS[:3]])  # written out in words: agrees
    assert compare(a, c, DedupConfig()).duplicate


def test_identical_short_texts_need_the_same_title() -> None:
    same = [(WORDS[0], "7")]
    a = item("a", same, title="harbo freig sets divid")
    b = item("b", same, title="cobal ridge sets divid")
    found = compare(a, b, DedupConfig())
    assert found is None or not found.duplicate
    c = item("c", same, title="harbo freig sets divid")
    assert compare(a, c, DedupConfig()).duplicate


def test_boilerplate_is_a_passage_of_unrelated_articles_not_of_reposts() -> None:
    footer = "gulfm indep news servi cover polit busin regio"
    unrelated = [
        item(f"u{k}", [(WORDS[k], ""), (f"{WORDS[k]} more", ""), (footer, "")]) for k in range(4)
    ]
    reposts = [item(f"r{k}", [(WORDS[5], ""), (footer + " x", "")]) for k in range(4)]
    learned = boilerplate([*unrelated, *reposts], DedupConfig())
    assert footer in learned and WORDS[5] not in learned


def test_boilerplate_answers_are_remembered_by_the_holders_digests() -> None:
    """Whether a passage's holders are of enough reports is answered once: a later run given
    the answers (keyed by the holders' digests) takes them and judges nothing again; a holder
    whose words changed (another digest) is judged anew."""
    footer = "gulfm indep news servi cover polit busin regio"
    unrelated = [
        item(f"u{k}", [(WORDS[k], ""), (f"{WORDS[k]} more", ""), (footer, "")]) for k in range(4)
    ]
    judged: dict[str, object] = {}
    assert footer in boilerplate(unrelated, DedupConfig(), {}, judged)
    assert judged and all(k.startswith(REPORTS) and v is True for k, v in judged.items())
    denied = {k: False for k in judged}  # answers the words do not give: taken as they are
    again: dict[str, object] = {}
    assert footer not in boilerplate(unrelated, DedupConfig(), denied, again)
    assert again == denied
    changed = [*unrelated[:3], item("u3", [(WORDS[3], ""), (footer, "")])]
    again.clear()
    assert footer in boilerplate(changed, DedupConfig(), denied, again)
    assert again and set(again).isdisjoint(denied)
    state = deduplicate_items({i.id: i for i in unrelated})[1]  # kept with the comparisons
    remembered = memo_from_state(json.loads(state.text()), DedupConfig())
    assert {k: v for k, v in remembered.items() if k.startswith(REPORTS)} == judged


def test_the_remembered_comparisons_read_back_as_written_in_runs(monkeypatch) -> None:
    """The state writes its remembered comparisons a run of entries at a time: read back, they
    are the comparisons made, whatever the length of the runs."""
    from postedit import dedup

    reposts = [item(f"r{k}", [(w, "") for w in WORDS[: 3 + k % 2]]) for k in range(5)]
    result, state = deduplicate_items({i.id: i for i in reposts})
    assert result.compared >= 2
    made = memo_from_state(json.loads(state.text()), DedupConfig())
    assert made == json.loads(json.dumps({k: dedup._memo_json(v) for k, v in result.memo.items()}))
    monkeypatch.setattr(dedup, "MEMO_CHUNK", 2)
    assert memo_from_state(json.loads(state.text()), DedupConfig()) == made


@pytest.mark.parametrize("most", [1, 3, 12])
def test_each_articles_top_words_are_those_of_sorting_all_its_words(most: int) -> None:
    """The topic links' top words of each article, read off a partial order, are the ``most``
    first of its words fully sorted (heaviest first, equal weights in order of word), on words
    drawn so that weights tie often (a few counts, a small vocabulary)."""
    import numpy as np

    from postedit.dedup import _Terms, word_ids

    rng = np.random.default_rng(7)
    vocabulary = [f"w{k:03d}" for k in range(60)]
    items = [
        item(
            f"a{n:03d}",
            [
                (" ".join(rng.choice(vocabulary, size=int(rng.integers(3, 9)))), "")
                for _ in range(int(rng.integers(1, 6)))
            ],
        )
        for n in range(300)
    ]
    flat, starts, owners, vocab, _ = word_ids(items)
    terms = _Terms(flat, starts, owners, len(items), len(vocab))
    top_items, top_words = terms.top(most)
    expected_items, expected_words = [], []
    for counted in _Terms(flat, starts, owners, len(items), len(vocab)).counted():
        it, wd, w = terms.weighed(*counted)  # every word, fully sorted
        assert len(set(w.tolist())) < len(w)  # weights tie
        for k in np.unique(it):
            expected_items += [k] * min(most, int((it == k).sum()))
            expected_words += wd[it == k][:most].tolist()
    assert top_items.tolist() == expected_items and top_words.tolist() == expected_words


def test_a_group_is_a_star_never_a_chain() -> None:
    """b is the top of a and of c (a cut repost of both), c holds more than a: single linkage
    would put a, b and c in one group; a star around c takes b and leaves a related."""
    a = item("a", [(w, "") for w in WORDS[0:6]])
    b = item("b", [(w, "") for w in WORDS[0:3]])
    more = [f"zulu{k} yank{k} xray{k} whisk{k} victo{k} unifo{k} tango{k}" for k in range(6)]
    c = item("c", [(w, "") for w in WORDS[0:3]] + [(w, "") for w in more])
    assert compare(a, b, DedupConfig()).duplicate and compare(b, c, DedupConfig()).duplicate
    assert not compare(a, c, DedupConfig()).duplicate
    result = cluster([a, b, c])
    assert result.clusters["b"] == {"id": "c", "role": "duplicate", "of": "c", "score": 100.0}
    assert result.clusters["a"]["role"] == "related" and result.clusters["a"]["of"] == "c"


def test_articles_naming_other_entities_are_not_one_report() -> None:
    same = [(w, "") for w in WORDS[:4]]
    a = Item("a", 400, 0, None, item("x", same).passages, entities="en.entity-alina-romanowski")
    b = Item("b", 400, 0, None, a.passages, entities="en.entity-tracey-ann-jacobson")
    c = Item("c", 400, 0, None, a.passages, entities="en.entity-alina-romanowski en.entity-x")
    assert not compare(a, b, DedupConfig()).duplicate
    assert compare(a, c, DedupConfig()).duplicate
