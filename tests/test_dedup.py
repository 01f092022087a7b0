"""De-duplication: the seeds, labelled reposts and hard negatives, and incremental runs."""

from __future__ import annotations

import itertools
import json
import random
import shutil
import sys
from array import array
from pathlib import Path

import numpy as np
import pytest
from conftest import RULES, SEEDS

from postedit import dedup
from postedit.dedup import DedupConfig, Item, Passage, candidate_pairs, cluster, compare
from postedit.read import ReadDefaults, read_folder
from postedit.render import clean_paragraphs, clean_title
from postedit.runner import Settings, cleanup
from postedit.synthetic import hard_negative, repost
from postedit.write import records_of


def run(folder: Path, out: Path, max_removal: float = 0.5) -> dict[str, dict]:
    cleanup(Settings(folder, RULES, out, "en", "ar", max_removal=max_removal))
    return {r["id"]: r for r in map(json.loads, (out / "corpus.jsonl").open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    out = tmp_path_factory.mktemp("dedup-seeds")
    return out, run(SEEDS, out)


def short(records: dict[str, dict]) -> dict[str, tuple]:
    return {k[:3]: (v["cluster"]["id"][:3], v["cluster"]["role"]) for k, v in records.items()}


def test_seeds_001_and_003_share_a_story_and_the_rest_stand_alone(seeds_out) -> None:
    out, records = seeds_out
    roles = short(records)
    assert roles["001"][0] == roles["003"][0]
    assert {roles["001"][1], roles["003"][1]} == {"canonical", "related"}
    for other in ("000", "002", "004"):
        assert roles[other] == (other, "canonical")
    clusters = json.loads((out / "clusters.json").read_text())
    (story,) = clusters.values()
    assert {m["id"][:3] for m in story["members"]} == {"001", "003"}
    assert len(story["passages"]) >= 2
    for p in story["passages"]:
        text = records[p["a"]]["text"].split("\n\n")[p["a_paragraph"]]
        assert 0 <= p["a_span"][0] < p["a_span"][1] <= len(text)
    # nothing is a duplicate, so the de-duplicated view keeps all five
    assert len((out / "corpus.dedup.jsonl").read_text().splitlines()) == 5


def test_repeated_titles_are_removed(seeds_out) -> None:
    _, records = seeds_out
    for key in ("000_115896091037aa73", "002_886702d4e5dac6fe"):
        assert any(e["rule"] == "repair.repeated-title" for e in records[key]["edits"])


def labelled_corpus(folder: Path, seed: int = 3) -> tuple[set, set]:
    """Seeds, two reposts of each, and hard negatives; returns the true duplicate pairs and the
    true same-story pairs."""
    rng = random.Random(seed)
    shutil.copytree(SEEDS, folder)
    duplicates, stories = set(), {("001", "003")}
    for article in read_folder(SEEDS, ReadDefaults("en", "ar")):
        key = article.id[:3]
        for n in (1, 2):
            text = repost(clean_title(article), clean_paragraphs(article), rng)
            (folder / f"{key}-repost{n}.txt").write_text(text, encoding="utf-8")
        for a, b in itertools.combinations([key, f"{key}-repost1", f"{key}-repost2"], 2):
            duplicates.add((a, b))
    for n in range(8):
        title, paragraphs = hard_negative(rng, n)
        (folder / f"neg{n}.txt").write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n")
    return duplicates, stories


def key_of(article_id: str) -> str:
    return article_id if "repost" in article_id or article_id.startswith("neg") else article_id[:3]


def test_reposts_and_hard_negatives_precision_and_recall(tmp_path: Path) -> None:
    duplicates, stories = labelled_corpus(tmp_path / "in")
    records = run(tmp_path / "in", tmp_path / "out")
    by_key = {key_of(k): v for k, v in records.items()}
    found_dup, found_story = set(), set()
    for a, b in itertools.combinations(sorted(by_key), 2):
        ca, cb = by_key[a]["cluster"], by_key[b]["cluster"]
        if ca["id"] != cb["id"]:
            continue
        group = lambda c, k: c["of"] if c["role"] == "duplicate" else by_key[k]["id"]  # noqa: E731
        if group(ca, a) == group(cb, b):
            found_dup.add((a, b))
        found_story.add((a, b))
    true_story = (
        stories
        | duplicates
        | {
            (x, y)
            for x, y in itertools.product(
                ["001", "001-repost1", "001-repost2"], ["003", "003-repost1", "003-repost2"]
            )
        }
    )
    tp = len(found_dup & duplicates)
    precision, recall = tp / max(1, len(found_dup)), tp / len(duplicates)
    assert precision == 1.0 and recall == 1.0, found_dup ^ duplicates
    story_tp = len({tuple(sorted(p)) for p in found_story} & {tuple(sorted(p)) for p in true_story})
    assert story_tp / max(1, len(found_story)) == 1.0  # no hard negative joins a story
    assert story_tp / len(true_story) >= 0.9
    # the canonical of each group is its most complete member
    for key in ("000", "002", "004"):
        members = [v for k, v in by_key.items() if k.startswith(key)]
        canon = [m for m in members if m["cluster"]["role"] == "canonical"]
        assert len(canon) == 1 and len(canon[0]["text"]) == max(len(m["text"]) for m in members)
    dedup_view = (tmp_path / "out" / "corpus.dedup.jsonl").read_text().splitlines()
    assert len(dedup_view) == len(records) - 10  # two reposts of each seed dropped


def test_a_new_repost_matches_last_weeks_canonical(tmp_path: Path) -> None:
    """The state of an earlier run is enough: last week's inputs are gone from the inbox (a
    rotating inbox, whose runs are allowed to remove the whole corpus)."""
    out = tmp_path / "out"
    run(SEEDS, out)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (article,) = [a for a in read_folder(SEEDS, ReadDefaults("en", "ar")) if a.id.startswith("004")]
    text = repost(clean_title(article), clean_paragraphs(article), random.Random(9))
    (inbox / "repost.txt").write_text(text, encoding="utf-8")
    records = run(inbox, out, max_removal=1)
    assert records["repost"]["cluster"]["role"] == "duplicate"
    assert records["repost"]["cluster"]["of"] == article.id
    clusters = json.loads((out / "clusters.json").read_text())
    members = clusters[article.id]["members"]
    assert {m["id"]: m["archived"] for m in members} == {article.id: True, "repost": False}


def test_the_state_keeps_items_as_columns_and_still_reads_rows(tmp_path: Path) -> None:
    """An article of the state comes back as it went in, digest and all, from this version's
    columns and from the rows an earlier version wrote; a digest that does not hold for the
    passages would key remembered comparisons to the wrong text."""
    passages = (
        Passage(0, 0, 2, "alpha bravo charlie", "12 3.5"),
        Passage(1, 0, 1, "delta echo foxtrot"),
        Passage(1, 1, 3, "golf hotel india juliet", "2024"),
    )
    made = [
        Item("a", 240, 2, "2024-03-05", passages, False, "kilo lima", "x1", (), "e:1 e:2", "m1"),
        Item("b", 10, 0, None, (), False),
        Item("c", 90, 0, "26-FEB-1987", passages[1:2]),  # no passage with figures
    ]
    state = json.loads(dedup.State(made, {}, DedupConfig()).text())
    assert state["version"] == dedup.STATE_VERSION == 4
    assert state["articles"]["a"]["spans"] == [0, 0, 2, 1, 0, 1, 1, 1, 3]
    assert "figures" not in state["articles"]["c"]
    read = dedup.items_from_state(state)
    rows = {
        i.id: {
            **{k: v for k, v in i.to_state().items() if k not in ("spans", "words", "figures")},
            "passages": [[p.paragraph, p.start, p.end, p.words, p.numbers] for p in i.passages],
            "digest": "not read from rows",
        }
        for i in made
    }
    for again in (read, dedup.items_from_state({"version": 2, "articles": rows})):
        assert list(again) == ["a", "b", "c"]
        for before in made:
            after = again[before.id]
            assert after.archived and after.current() == before
            assert (after.digest, after.day) == (before.digest, before.day)
            assert after.passages == before.passages and after.passages.numbers == (
                before.passages.numbers
            )
    state["articles"]["a"]["words"].pop()
    with pytest.raises(ValueError, match="columns"):
        dedup.items_from_state(state)


def item(article_id: str, sentences: list[str], length: int = 100) -> Item:
    return Item(article_id, length, 0, None, tuple(Passage(0, 0, 1, s) for s in sentences))


def test_canonical_choice_is_deterministic() -> None:
    """The most complete (most passages), then the earliest, then the longest text."""
    words = ["alpha bravo charlie delta echo foxtrot golf", "hotel india juliet kilo lima mike"]
    a = item("b", words, 100)
    b = Item("a", 100, 0, "2024-01-01", a.passages)
    c = Item("c", 120, 3, None, a.passages)
    result = cluster([a, b, c])
    assert result.clusters["a"]["role"] == "canonical"  # as complete as the others, earliest
    assert result.clusters["c"] == {"id": "a", "role": "duplicate", "of": "a", "score": 100.0}
    assert cluster([c, b, a]).clusters == result.clusters
    more = Item("d", 90, 0, "2024-02-01", (*a.passages, Passage(1, 0, 1, "november oscar papa")))
    assert cluster([a, b, c, more]).clusters["d"]["role"] == "canonical"  # most complete


def test_cluster_records_and_story_texts_read_as_plain_mappings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The records are numbers made into a dictionary when read, and the stories' texts are
    held deflated: both read as the dictionaries they stand for, in the order they were made."""
    monkeypatch.setattr(dedup, "HELD_PLAIN", 0)  # every text deflated
    words = ["alpha bravo charlie delta echo foxtrot golf", "hotel india juliet kilo lima mike"]
    a = item("b", words, 100)
    b = Item("a", 100, 0, "2024-01-01", a.passages)
    lone = item("0", ["november oscar papa quebec romeo sierra tango"])
    result = cluster([lone, a, b])
    records = dict(result.clusters)
    assert records == {
        "a": {"id": "a", "role": "canonical", "of": None, "score": None},
        "b": {"id": "a", "role": "duplicate", "of": "a", "score": 100.0},
        "0": {"id": "0", "role": "canonical", "of": None, "score": None},
    }
    assert list(result.clusters) == ["a", "b", "0"]  # stories in rank order, not by id
    assert list(result.clusters.records()) == sorted(records.items())  # read in order of id
    assert list(records_of(records)) == list(records_of(result.clusters))
    assert len(result.clusters) == 3 and "b" in result.clusters
    assert "c" not in result.clusters and result.clusters.get("c") is None
    assert result.clusters.get(3) is None  # type: ignore[call-overload]
    with pytest.raises(KeyError):
        result.clusters["aa"]
    (story,) = result.report
    text = result.report.texts[story]
    assert json.loads(text) == result.report[story]
    assert dedup.story_text(result.report[story]) == text
    assert len(result.report.texts.packed[story]) < len(text.encode())


def test_story_texts_are_held_plain_up_to_a_limit_and_deflated_beyond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A corpus's first `HELD_PLAIN` bytes of evidence are held as text (neither deflated
    nor inflated), the rest deflated; a text set again is counted once."""
    texts = {f"s{n}": json.dumps({"n": n, "words": ["alpha bravo"] * 40}) for n in range(6)}
    monkeypatch.setattr(dedup, "HELD_PLAIN", 3 * sys.getsizeof(texts["s0"]))
    packed = dedup._Packed()
    for key, text in texts.items():
        packed[key] = text
    packed["s0"] = texts["s0"]  # again: still plain, the others as they were
    assert [type(packed.packed[k]) for k in texts] == [str] * 3 + [bytes] * 3
    assert dict(packed) == texts  # read alike, plain or deflated, in the order made
    assert packed.plain == 3 * sys.getsizeof(texts["s0"])


def test_a_story_of_many_copies_keeps_one_link_per_member_not_one_per_pair() -> None:
    """Twenty copies of one report (and three of a section of it): every pair overlaps, but the
    evidence holds the link that placed each member, so it grows with the story, not its
    square."""
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(2000)]
    words = [" ".join(rng.sample(vocab, 12)) for _ in range(8)]
    copies = [item(f"copy{n:02d}", words, 100 + n) for n in range(20)]
    sections = [item(f"section{n}", words[4:7], 50) for n in range(3)]  # related, not copies
    result = cluster(copies + sections)
    (story,) = result.report.values()
    assert len(story["members"]) == 23
    assert len(story["links"]) == 22  # a spanning star: n - 1 links
    assert len(story["passages"]) <= 22 * len(words)
    linked = {m for link in story["links"] for m in (link["a"], link["b"])}
    assert linked == {m["id"] for m in story["members"]}  # every member is explained
    roles = {k: v["role"] for k, v in result.clusters.items()}
    # the copies are duplicates of the canonical, the sections of the first section
    assert sorted(roles.values()).count("duplicate") == 19 + 2
    assert sorted(roles.values()).count("related") == 1
    assert roles["copy19"] == "canonical"  # the longest


def test_reposts_in_one_group_are_compared_with_its_centre_not_with_each_other() -> None:
    """Twelve reposts of one report, each with a line of its own: every pair is a candidate,
    but each repost is compared with the group's centre (and what is outside its group), so
    the comparisons grow with the group, not its square; the groups are those of comparing
    every pair."""
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(3000)]
    words = [" ".join(rng.sample(vocab, 12)) for _ in range(10)]
    reposts = [item(f"r{n:02d}", [*words, " ".join(rng.sample(vocab, 12))]) for n in range(12)]
    result = cluster(reposts)
    assert result.candidates == 12 * 11 // 2
    assert result.compared <= 12 + 2
    roles = sorted(c["role"] for c in result.clusters.values())
    assert roles == ["canonical"] + ["duplicate"] * 11
    every = {  # what comparing every pair says: all are duplicates of each other
        (a.id, b.id) for a, b in itertools.combinations(reposts, 2) if compare(a, b, DedupConfig())
    }
    assert len(every) == result.candidates


def test_topic_links_inside_a_duplicate_group_are_not_scored_and_place_no_article(
    monkeypatch,
) -> None:
    """Two reports of one story in other words, each reposted, and a story of its own: pairs
    of one duplicate group are not scored for topic links, and the clusters and stories are
    those of scoring every pair."""
    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(3000)]

    def report(words: list[str]) -> list[str]:
        return [" ".join(rng.sample(words, 8) + rng.sample(vocab, 4)) for _ in range(6)]

    first, other = report(rng.sample(vocab, 40)), report(rng.sample(vocab, 40))
    second = report(" ".join(first).split())  # the first's words, in other sentences
    items = sorted(
        [item(f"a{n}", first[n % 2 :], 100 + n) for n in range(5)]
        + [item(f"b{n}", second[n % 2 :], 100 + n) for n in range(4)]
        + [item(f"c{n}", other[n % 2 :], 100 + n) for n in range(3)],
        key=lambda i: i.id,
    )
    config = DedupConfig(topic_shared=1, topic_cosine=0.1)
    result = cluster(items, config)
    records = {i.id: result.clusters[i.id] for i in items}
    groups = [str(r["of"]) if r["role"] == "duplicate" else k for k, r in records.items()]
    ids = dedup.word_ids(items)
    every = dedup.topic_links(items, config, ids)
    apart = dedup.topic_links(items, config, ids, (), groups)
    assert any(groups[x] == groups[y] for x, y in every)  # reposts are on one topic...
    assert not any(groups[x] == groups[y] for x, y in apart)  # ... and are not scored
    assert apart == {k: v for k, v in every.items() if groups[k[0]] != groups[k[1]]}
    roles = {k: (v["id"], v["role"]) for k, v in result.clusters.items()}
    assert roles["b2"] == ("a4", "related")  # the second report joins the first's story
    assert roles["c2"] == ("c2", "canonical")
    scored = dedup.topic_links
    monkeypatch.setattr(dedup, "topic_links", lambda *a: scored(*a[:4]))  # every pair scored
    again = cluster(items, config)
    assert dict(again.clusters.items()) == dict(result.clusters.items())
    assert dict(again.report.items()) == dict(result.report.items())


def test_candidates_are_not_all_pairs() -> None:
    rng = random.Random(1)
    vocab = [f"w{i}" for i in range(5000)]
    items = [item(f"i{n}", [" ".join(rng.sample(vocab, 12)) for _ in range(5)]) for n in range(300)]
    items.append(
        item(
            "copy",
            list(items[0].passages[0].words for _ in range(1))
            + [p.words for p in items[0].passages[1:]],
        )
    )
    pairs = candidate_pairs(sorted(items, key=lambda i: i.id), DedupConfig())
    assert len(pairs) < 300 * 301 / 2 / 100  # far from all pairs
    ids = sorted(i.id for i in items)
    assert (ids.index("copy"), ids.index("i0")) in pairs or (
        ids.index("i0"),
        ids.index("copy"),
    ) in pairs
    assert compare(items[0], items[-1], DedupConfig()).duplicate


def test_candidates_and_topic_links_do_not_depend_on_how_the_work_is_chunked(monkeypatch) -> None:
    """Passages are signed a run at a time, passage pairs summed by article a batch at a time,
    and words counted a run of items at a time: batches of one passage, pair or item give the
    same candidates and links as one batch for everything. Passages with the same words are
    signed and bucketed once, standing for all their copies: the same candidates as every
    passage on its own. Word ids in 16 bits or 32: the same."""
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(400)]
    base = [[" ".join(rng.sample(vocab, 10)) for _ in range(4)] for _ in range(12)]
    items = [  # a dozen stories, each reposted with a passage dropped or a word changed
        item(f"s{s:02d}r{r}", [p.replace(p.split()[0], "changed", r % 2) for p in ps[r % 3 :]])
        for s, ps in enumerate(base)
        for r in range(4)
    ]
    items = sorted(items, key=lambda i: i.id)
    ids = dedup.word_ids(items)
    whole = dedup.candidate_array(items, DedupConfig(), ids)
    links = dedup.topic_links(items, DedupConfig(topic_shared=1, topic_cosine=0.1), ids)
    assert len(whole) >= 12 * 3 and links  # every story's reposts, and some links
    assert (ids.copy_of != np.arange(len(ids.starts))).any()  # reposts share passages
    alone = ids._replace(copy_of=np.arange(len(ids.starts)))
    assert dedup.candidate_array(items, DedupConfig(), alone).tolist() == whole.tolist()
    monkeypatch.setattr(dedup, "NARROW_IDS", 0)  # word ids in 32 bits, not 16
    wide = dedup.word_ids(items)
    assert wide.flat.dtype != ids.flat.dtype and wide.flat.tolist() == ids.flat.tolist()
    assert dedup.candidate_array(items, DedupConfig(), wide).tolist() == whole.tolist()
    assert dedup.topic_links(items, DedupConfig(topic_shared=1, topic_cosine=0.1), wide) == links
    monkeypatch.setattr(dedup, "SIGNED", 1)
    monkeypatch.setattr(dedup, "PASSAGE_PAIRS", 1)
    monkeypatch.setattr(dedup, "TERM_CHUNK", 1)
    assert dedup.candidate_array(items, DedupConfig(), ids).tolist() == whole.tolist()
    assert dedup.topic_links(items, DedupConfig(topic_shared=1, topic_cosine=0.1), ids) == links


def test_candidates_are_the_article_pairs_whose_passages_collide_in_enough_bands() -> None:
    """The candidate step against a plain reading of its definition: every passage (of two or
    more words) signed on its own and bucketed by each band's values; each pair of a bucket of
    2 to ``max_bucket`` passages whose signatures agree enough counts one collision, that band,
    for its two articles; candidates have ``min_collisions``. Reposts copy passages word for
    word (signed once, as one row), and one passage is in more articles than a bucket holds."""
    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(300)]
    base = [[" ".join(rng.sample(vocab, 8)) for _ in range(4)] for _ in range(15)]
    common = " ".join(rng.sample(vocab, 8))
    items = sorted(
        (
            item(
                f"s{s:02d}r{r}",
                [p.replace(p.split()[1], "other", r % 2) for p in ps[r % 2 :]] + [common] * (s < 3),
            )
            for s, ps in enumerate(base)
            for r in range(5)
        ),
        key=lambda i: i.id,
    )
    config = DedupConfig(max_bucket=12, df_floor=10_000)
    ids = dedup.word_ids(items)
    lengths = np.diff(np.append(ids.starts, len(ids.flat)))
    hashes = np.array([dedup.zlib.crc32(w.encode()) for w in ids.vocab], dtype=np.uint64)
    assert np.bincount(ids.flat).max() <= config.df_floor  # no word left out for being common
    signed = np.where(lengths >= 2, lengths, 0)
    sigs = dedup.signatures(
        ids.flat, ids.starts, lengths, np.ones(len(ids.flat), bool), signed, hashes, config
    )
    passages = np.flatnonzero(signed)
    width = config.num_perm // config.bands
    collisions: dict[tuple[int, int], int] = {}
    for band in range(config.bands):
        buckets: dict[tuple[int, ...], list[int]] = {}
        for row, p in enumerate(passages.tolist()):
            buckets.setdefault(tuple(sigs[row, band * width : (band + 1) * width]), []).append(
                (row, p)
            )
        for members in buckets.values():
            if not 2 <= len(members) <= config.max_bucket:
                continue
            for (r1, p1), (r2, p2) in itertools.combinations(members, 2):
                a, b = sorted((int(ids.owners[p1]), int(ids.owners[p2])))
                if a != b and (sigs[r1] == sigs[r2]).mean() >= config.min_similarity:
                    collisions[a, b] = collisions.get((a, b), 0) + 1
    expected = sorted(k for k, n in collisions.items() if n >= config.min_collisions)
    assert (ids.copy_of != np.arange(len(ids.starts))).sum() >= 15 * 3  # reposts copy passages
    assert len(expected) >= 15 * 4
    assert [tuple(p) for p in dedup.candidate_array(items, config, ids).tolist()] == expected


def test_passages_are_found_to_be_copies_by_their_words_not_only_their_hashes() -> None:
    """Passages with one hash but other words (a collision) are not taken as copies."""

    class Colliding(str):
        def __hash__(self) -> int:
            return 7

    texts = [Colliding(t) for t in ("alpha beta", "gamma delta", "alpha beta", "gamma delta")]
    assert dedup._first_copies(texts).tolist() == [0, 1, 0, 3]
    assert dedup._first_copies(["a b", "c d", "a b", "c d"]).tolist() == [0, 1, 0, 1]


def test_a_paragraph_pasted_twice_is_removed(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    para = "The talks between Baghdad and Washington resumed on Monday after a pause of two months."
    (inbox / "a.txt").write_text(f"Title\n\n{para}\n\nSomething else entirely.\n\n{para}\n")
    records = run(inbox, tmp_path / "out")
    (edit,) = [e for e in records["a"]["edits"] if e["rule"] == "dedup.repeated-paragraph"]
    assert "paragraph 1" in edit["message"]
    assert records["a"]["text"] == f"{para}\n\nSomething else entirely."


def test_a_paragraph_said_again_in_other_words_is_a_flag_not_a_removal(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    first = "The spokesperson emphasized that the government has always opposed any cyber attack."
    again = "The spokesperson said that the government has always opposed any cyber attack."
    (inbox / "a.txt").write_text(f"Title\n\n{first}\n\nA reporter asked a question.\n\n{again}\n")
    records = run(inbox, tmp_path / "out")
    (edit,) = [e for e in records["a"]["edits"] if e["rule"].startswith("dedup.")]
    assert edit["rule"] == "dedup.near-repeated-paragraph" and edit["action"] == "flag"
    assert "nearly repeats paragraph 1" in edit["message"]
    assert again in records["a"]["text"]  # kept until an editor says otherwise


def test_a_sentence_seen_before_gives_its_passage_as_the_language_counts_its_figures() -> None:
    config = DedupConfig()
    text = ["Two ministers and 300 officials met the envoy in the capital on Sunday evening."]
    plain = dedup.passages_of(text, frozenset(), config)
    spelled = dedup.passages_of(text, frozenset(), config, {"two": "2"})
    assert plain[0].numbers == "300" and spelled[0].numbers == "2 300"
    assert "two" in plain[0].words.split() and "two" not in spelled[0].words.split()
    # the same sentence in another article (and without its stop words) is read as written there
    again = dedup.passages_of(["Intro line.", *text], frozenset({"the", "in"}), config)
    assert again[-1].paragraph == 1 and " the " not in f" {again[-1].words} "
    assert dedup.passages_of(text, frozenset(), config) == plain


def test_passage_pairs_scored_before_are_not_scored_again(monkeypatch) -> None:
    config = DedupConfig()
    rng = random.Random(7)
    vocab = [f"w{k}" for k in range(40)]
    passages = [" ".join(rng.sample(vocab, 9)) for _ in range(12)]
    passages += [" ".join([*p.split()[:3], "changed", *p.split()[4:]]) for p in passages[:6]]
    scored: list[int] = []
    score = dedup.passage_scores

    def counting(a, b, c):
        scored.append(len(a) * len(b))
        return score(a, b, c)

    monkeypatch.setattr(dedup, "passage_scores", counting)
    monkeypatch.setattr(dedup, "_kept_pairs", {})
    monkeypatch.setattr(dedup, "_kept_looks", [0, 0])
    monkeypatch.setattr(dedup, "PAIRS_KEPT", 40)
    a, b, c = passages[:5], passages[12:17], passages[5:10]

    def same(x, y) -> None:
        kept, fresh = dedup.kept_scores(x, y, config), score(x, y, config)
        assert (kept is None and fresh is None) or np.array_equal(kept, fresh)

    same(a, b)
    assert scored == [25]
    same(a, b)
    same(a[1:3], b[::-1])  # any part of what was scored, in any order
    assert scored == [25]
    same(a + c[:1], b)  # a new row is scored, and only it
    assert scored == [25, 5]
    same(c, a)  # more than PAIRS_KEPT: what was kept is let go
    assert scored == [25, 5, 25] and dedup._kept_pairs[config.passage_cutoff].size == 25
    assert sum(map(len, dedup._kept_pairs[config.passage_cutoff].rows.values())) == 25
    same(a, b)
    assert scored == [25, 5, 25, 25]


def test_where_few_pairs_meet_again_nothing_more_is_kept(monkeypatch) -> None:
    """A corpus of distinct articles: after `KEPT_PROBE` pairs looked up with almost none found,
    pairs are scored as they come (the same scores), neither looked up nor kept."""
    config = DedupConfig()
    rng = random.Random(11)
    vocab = [f"w{k}" for k in range(60)]
    passages = [" ".join(rng.sample(vocab, 9)) for _ in range(60)]
    monkeypatch.setattr(dedup, "_kept_pairs", {})
    monkeypatch.setattr(dedup, "_kept_looks", [0, 0])
    monkeypatch.setattr(dedup, "KEPT_PROBE", 50)
    kept = dedup._kept_pairs.setdefault(config.passage_cutoff, dedup._Kept())
    for at in range(0, 60, 6):  # each pair met once: nothing found again
        x, y = passages[at : at + 3], passages[at + 3 : at + 6]
        got, fresh = dedup.kept_scores(x, y, config), dedup.passage_scores(x, y, config)
        assert (got is None and fresh is None) or np.array_equal(got, fresh)
    assert dedup._kept_looks == [54, 0]  # looked up until the probe said no, then not at all
    assert kept.size == 54
    monkeypatch.setattr(dedup, "_kept_looks", [60, 10])  # where pairs meet again, kept on
    dedup.kept_scores(passages[:2], passages[30:32], config)
    assert kept.size == 58


def _random_items(seed: int, words: int, count: int) -> list:
    """``count`` items of one to four passages, each of eight words drawn from ``words``."""
    rng = random.Random(seed)
    vocabulary = [f"w{k}" for k in range(words)]
    return [
        item(f"a{n}", [" ".join(rng.choices(vocabulary, k=8)) for _ in range(rng.randint(1, 4))])
        for n in range(count)
    ]


def test_topic_words_are_the_same_whether_the_counts_are_held_or_counted_again(
    monkeypatch,
) -> None:
    items = _random_items(5, 50, 80)
    ids = dedup.word_ids(items)
    tops = []
    for held in (10**9, 0):
        monkeypatch.setattr(dedup, "TERMS_HELD", held)
        monkeypatch.setattr(dedup, "TERM_CHUNK", 64)  # several runs of items
        terms = dedup._Terms(ids.flat, ids.starts, ids.owners, len(items), len(ids.vocab))
        assert (terms.held is not None) == bool(held)
        tops.append(terms.top(3))
        assert terms.held is None  # read once, then let go
    (a_items, a_words), (b_items, b_words) = tops
    assert len(a_items) > 100
    assert np.array_equal(a_items, b_items) and np.array_equal(a_words, b_words)


@pytest.mark.parametrize("narrow", [dedup.NARROW_IDS, 1])  # 1: items sorted as 32-bit numbers
def test_term_weights_come_by_item_then_heaviest_then_word(monkeypatch, narrow: int) -> None:
    """Ties of weight (a word counted alike in one item, with the same spread) are common:
    they keep the order of their words, so the top words of an item are the same on every
    run."""
    monkeypatch.setattr(dedup, "NARROW_IDS", narrow)
    items = _random_items(7, 40, 60)
    ids = dedup.word_ids(items)
    terms = dedup._Terms(ids.flat, ids.starts, ids.owners, len(items), len(ids.vocab))
    ties = 0
    for counted in [*terms.counted(), *(terms.of(k) for k in range(len(items)))]:
        it, wd, w = terms.weighed(*counted)
        assert (np.lexsort((wd, -w, it)) == np.arange(len(it))).all()
        ties += int(((it[1:] == it[:-1]) & (w[1:] == w[:-1])).sum())
    assert ties > 100  # words of one item with one weight


def test_passages_read_from_columns_as_written_or_as_text() -> None:
    """A state's columns are strings and integers; numbers written as text (or 3.0) read as
    the same passages, and anything else is refused as the state's damage it is."""
    spans, words, figures = [0, 0, 9, 1, 4, 20], ["alpha bravo", "charlie"], ["", "12"]
    made = dedup.Passages.of_columns(spans, words, figures)
    assert list(made.places()) == spans and made.words == tuple(words)
    assert made.figures() == ("", "12")
    loose = dedup.Passages.of_columns(["0", 0, 9.0, 1, "4", 20], words, figures)
    assert loose == made and loose.words[0] is made.words[0]  # interned: one string
    assert dedup.Passages.of_columns(spans, words, None).numbers is None
    with pytest.raises(ValueError):
        dedup.Passages.of_columns(["zero", 0, 9, 1, 4, 20], words, figures)
    with pytest.raises(ValueError):
        dedup.Passages.of_columns(spans[:3], words, figures)


def test_a_links_passages_are_quoted_alike_from_numbers_lists_or_loose_lists() -> None:
    """A link's passage pairs come as this run's numbers, as the state's lists, or (a state
    written by hand) as lists of other numbers: the evidence quotes the same passages."""
    a = Item("a", 100, 0, None, (Passage(0, 0, 5, "alpha"), Passage(2, 3, 9, "bravo")))
    b = Item("b", 100, 0, None, (Passage(1, 4, 8, "alpha"), Passage(0, 0, 7, "bravo")))
    clusters = dedup.Clusters(["a", "b"])
    clusters.set(0, 0, "canonical", None, None)
    clusters.set(1, 0, "duplicate", 0, 91.0)
    made = []
    for pairs in (
        array("d", [0, 1, 91.04, 1, 1, 88.0]),  # this run's comparison
        [[0, 1, 91.04], [1, 1, 88.0]],  # remembered
        [[0.0, 1.0, 91.04], ["1", 1, 88]],  # by hand
    ):
        link = dedup.Overlap(0, 1, 91.0, True, pairs, "shared passages")
        made.append(dedup._evidence([a, b], [0, 1], [link], clusters))
    assert made[0] == made[1] == made[2]
    quoted = [
        (p["a_paragraph"], *p["a_span"], p["b_paragraph"], *p["b_span"])
        for p in made[0]["passages"]
    ]
    assert quoted == [(0, 0, 5, 0, 0, 7), (2, 3, 9, 0, 0, 7)]
    assert [p["score"] for p in made[0]["passages"]] == [91.0, 88.0]
