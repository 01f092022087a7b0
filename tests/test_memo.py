"""Paragraph results kept by content (`postedit.memo`): the same edits as finding everything
anew, and a paragraph read again only when what its rules see differs."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from postedit import grammar
from postedit.grammar import GrammarConfig, GrammarSettings
from postedit.memo import Memo, content_key
from postedit.pipeline import Engine, clean_article, prepared, release_prepared
from postedit.read import ReadDefaults, read_file
from postedit.ruletest import article_of

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _seeds() -> list:
    defaults = ReadDefaults(language="en", source_language="ar")
    return [a for p in sorted(SEEDS.glob("*.txt")) for a in read_file(p, SEEDS, defaults)]


def test_content_keys_tell_their_parts_apart() -> None:
    assert content_key("ab", "c") != content_key("a", "bc")
    assert content_key("a", True) != content_key("a", False)
    assert content_key("x") == content_key("x")


def test_a_memo_drops_the_least_recently_used() -> None:
    memo = Memo(size=2)
    memo.put(b"a", 1)
    memo.put(b"b", 2)
    assert memo.get(b"a") == 1  # a is now the most recent
    memo.put(b"c", 3)
    assert memo.get(b"b") is None and memo.get(b"a") == 1 and memo.get(b"c") == 3


def test_a_key_dropped_by_another_thread_after_it_was_read_is_still_a_hit() -> None:
    """Threads share the memo: between reading a key and marking it used, another thread may
    drop it. The reader keeps what it read."""
    from collections import OrderedDict

    class Raced(OrderedDict):
        def move_to_end(self, key, last=True):  # another thread dropped it just now
            self.pop(key)
            super().move_to_end(key, last)

    memo = Memo()
    memo.entries = Raced([(b"a", 1), (b"b", 2)])
    assert memo.get_or_make(b"a", lambda: 99) == 1 and memo.get(b"b") == 2
    assert memo.hits == 2 and memo.misses == 0


def test_the_seeds_with_a_warm_memo_get_the_edits_they_get_without_one(rules) -> None:
    articles = _seeds()
    plain = [clean_article(a, Engine(rules, memo=None)) for a in articles]
    memo = Memo()
    engine = Engine(rules, memo=memo)
    first = [clean_article(a, engine) for a in articles]
    misses = memo.misses
    second = [clean_article(a, Engine(rules, memo=memo)) for a in articles]
    assert first == plain and second == plain
    assert memo.misses == misses  # the second pass found nothing anew
    assert memo.hits > 0 and any(a.edits for a in plain)


def test_a_paragraph_is_read_again_when_the_context_its_rules_see_differs(rules) -> None:
    """The same paragraph after one that opens a quotation and after one that does not: the
    quotation rule reads the paragraphs around it, so the memo must not hand one's result to
    the other."""
    tail = "The talks will go on,” the minister said."
    closed = article_of(f"Officials spoke on Monday.\n\n{tail}", "en", None)
    opened = article_of(f"“We will not stop here.\n\n{tail}", "en", None)
    memo = Memo()
    found = []
    for article in (closed, opened, closed):
        with_memo = clean_article(article, Engine(rules, memo=memo))
        assert with_memo == clean_article(article, Engine(rules, memo=None))
        found.append({e.rule for e in with_memo.edits if e.start > article.raw.index(tail)})
    assert found[0] == found[2] and "en.unbalanced-quotes" in found[0] - found[1]


def test_a_paragraph_checked_once_is_not_sent_to_the_checker_again(monkeypatch) -> None:
    sent: list[str] = []
    real = grammar.harper_check

    def counting(paragraphs, config):
        sent.extend(paragraphs)
        return real(paragraphs, config)

    monkeypatch.setattr(grammar, "harper_check", counting)
    checker = grammar.Grammar(GrammarSettings("harper"))
    config = GrammarConfig(language="en")
    first = checker.check(["Ths is wrong.", "A fine sentence."], "en", config)
    again = checker.check(["A fine sentence.", "Ths is wrong.", "Anothr one."], "en", config)
    assert sent == ["Ths is wrong.", "A fine sentence.", "Anothr one."]
    assert first is not None and again is not None
    assert again[1][1] == first[1][0] and again[1][0] == first[1][1]
    assert first[1][0]  # the misspelling was found, and handed out again from the memo
    other = GrammarConfig(language="en", dictionary=frozenset({"ths"}))
    checker.check(["Ths is wrong."], "en", other)  # another pack's settings: checked anew
    assert sent[-1] == "Ths is wrong." and len(sent) == 4


def test_a_thread_keeps_its_matchers_across_engines_and_shares_them_with_no_other(rules) -> None:
    """The batches a thread cleans one after another find the matchers (and what they kept)
    the last batch made; the matchers of one set of packs share their patterns' matches; a
    thread of its own, or other packs, make their own."""
    release_prepared()
    first = Engine(rules).matcher("en", "ar")
    assert Engine(rules).matcher("en", "ar") is first
    plain = Engine(rules).matcher("en", None)
    assert plain is not first and plain._kept is first._kept
    elsewhere: list = []
    thread = threading.Thread(target=lambda: elsewhere.append(Engine(rules).matcher("en", "ar")))
    thread.start()
    thread.join()
    assert elsewhere[0] is not first and elsewhere[0]._kept is not first._kept
    other = replace(rules)  # the same packs as another object: other rules to the engine
    assert Engine(other).matcher("en", "ar") is not first
    release_prepared()
    assert Engine(rules).matcher("en", "ar") is not first


def test_matches_kept_across_matchers_and_batches_give_the_edits_found_anew(rules) -> None:
    """The seeds cleaned as translated from Arabic and as of unknown source (other matchers,
    one store of matches), with nothing kept between articles and with everything kept."""
    articles = _seeds()
    articles += [replace(a, source_language=None) for a in articles]
    fresh = []
    for article in articles:
        release_prepared()
        fresh.append(clean_article(article, Engine(rules, memo=None)))
    release_prepared()
    kept = [clean_article(a, Engine(rules, memo=None)) for a in articles]
    assert len(prepared(rules).matchers) > 1 and prepared(rules).matches.texts
    assert kept == fresh and any(a.edits for a in fresh)


def _copy(article, name: str):
    """``article`` as another file holds it, word for word."""
    return replace(article, id=name, source=f"{name}.txt")


def test_a_repost_word_for_word_is_given_what_the_first_was_without_cleaning_it(
    rules, monkeypatch
) -> None:
    from postedit import pipeline

    release_prepared()
    first = next(a for a in _seeds() if a.edits == () and len(a.paragraphs) > 3)
    cleaned = clean_article(first, Engine(rules))
    assert cleaned.edits and cleaned.translation is not None
    ran: list[str] = []
    real = pipeline.run_stages
    monkeypatch.setattr(
        pipeline, "run_stages", lambda a, *rest, **kw: ran.append(a.id) or real(a, *rest, **kw)
    )
    copy = _copy(first, "copy")
    again = clean_article(copy, Engine(rules))
    assert ran == []  # taken from what the first was given
    assert again == replace(cleaned, id="copy", source="copy.txt")
    assert again == clean_article(copy, Engine(rules, memo=None))  # as cleaning it gives
    ran.clear()
    # what its cleaning reads differs: cleaned, and given what that gives
    unsaid = replace(copy, source_language=None)
    other = clean_article(unsaid, Engine(rules))
    edited = replace(copy, raw=copy.raw.replace("the ", "teh ", 1))
    clean_article(edited, Engine(rules))
    assert ran == ["copy", "copy"]
    assert other == clean_article(unsaid, Engine(rules, memo=None))
    release_prepared()


def test_a_repost_an_editor_decided_about_is_cleaned_with_the_decision(rules) -> None:
    from postedit.decisions import Decisions

    release_prepared()
    first = next(a for a in _seeds() if len(a.paragraphs) > 3)
    cleaned = clean_article(first, Engine(rules))
    rule = next(e.rule for e in cleaned.edits if e.action == "fix")
    copy = _copy(first, "copy")
    off = Decisions.from_lines(
        [{"decision": "off", "rule": rule, "scope": "article", "article": "copy"}]
    )
    decided = clean_article(copy, Engine(rules, decisions=off))
    assert rule not in {e.rule for e in decided.edits}
    assert decided == clean_article(copy, Engine(rules, decisions=off, memo=None))
    # the decision concerns the copy only: the first is still given what it was
    assert clean_article(first, Engine(rules, decisions=off)) == cleaned
    release_prepared()


def test_a_cleaning_that_warned_is_not_handed_to_a_repost(rules, monkeypatch) -> None:
    """A checker that was down for one article is asked again for its repost."""
    release_prepared()
    asked: list[int] = []

    def down_once(paragraphs, config):
        asked.append(len(paragraphs))
        if len(asked) == 1:
            raise RuntimeError("connection refused")
        return [[] for _ in paragraphs]

    monkeypatch.setattr(grammar, "harper_check", down_once)
    checker = grammar.Grammar(GrammarSettings("harper"))
    first = next(a for a in _seeds() if len(a.paragraphs) > 3)
    warned = clean_article(first, Engine(rules, grammar=checker))
    assert any(grammar.FAILED in w for w in warned.warnings)
    again = clean_article(_copy(first, "copy"), Engine(rules, grammar=checker))
    assert len(asked) == 2 and not any(grammar.FAILED in w for w in again.warnings)
    release_prepared()


# --- kept between runs ---------------------------------------------------------------------------


def test_results_kept_in_the_store_read_back_as_they_were_made(tmp_path: Path) -> None:
    from postedit.memo import ABSENT, Store, decode, encode
    from postedit.model import Edit, Mention

    edit = Edit("en.x", "fix", 3, 8, "truth", "truce", "m “q”", 0.95, "correct", None, True)
    finding = grammar.Finding(0, 3, "R", "C", False, "msg", ("a", "b"))
    values = [
        ((edit,), ("rule-timed-out",)),
        [edit, replace(edit, action="flag", decision="rejected")],
        (Mention(1, 4, "org:x", "X"),),
        (finding,),
        (),
        [],
        ("", 0, 1.5, True, None),
    ]
    for value in values:
        again = decode(encode(value))
        assert again == value and type(again) is type(value)
        assert [type(x) for x in again] == [type(x) for x in value]
    store = Store(tmp_path / "cache" / "p.sqlite", "scope-1")
    for k, value in enumerate(values):
        store.add(content_key(k), value)
    store.add(content_key("dict"), ({"a": 1},))  # not a result the store writes: not kept
    store.add(content_key("nan"), (replace(edit, confidence=float("nan")),))  # nor this
    assert store.get(content_key(0)) is ABSENT  # not written yet
    store.release()
    other = Store(tmp_path / "cache" / "p.sqlite", "scope-1")  # the next run
    assert [other.get(content_key(k)) for k in range(len(values))] == values
    assert other.get(content_key("dict")) is ABSENT and other.get(content_key("nan")) is ABSENT
    other.release()
    changed = Store(tmp_path / "cache" / "p.sqlite", "scope-2")  # other code, libraries, packs
    assert changed.get(content_key(0)) is ABSENT
    changed.release()


def test_a_damaged_or_unwritable_store_is_not_used(tmp_path: Path) -> None:
    from postedit.memo import ABSENT, Store

    path = tmp_path / "p.sqlite"
    path.write_bytes(b"not a database, " * 100)
    store = Store(path, "s")
    assert store.get(content_key("k")) is ABSENT and not store.off  # made anew
    store.add(content_key("k"), ("v",))
    store.release()
    assert Store(path, "s").get(content_key("k")) == ("v",)
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be")
    nowhere = Store(blocked / "cache" / "p.sqlite", "s")
    assert nowhere.get(content_key("k")) is ABSENT and nowhere.off
    nowhere.add(content_key("k"), ("v",))
    nowhere.release()  # nothing written, nothing raised


def test_a_later_run_takes_paragraph_results_from_the_store(
    rules, tmp_path: Path, monkeypatch
) -> None:
    """A new process (an empty memo) cleaning the seeds again with the store the first one
    filled finds nothing anew, and gets the edits it gets without memo or store. The first,
    which found the store empty, never looked in it."""
    from postedit.memo import Store, Stored

    articles = _seeds()
    plain = [clean_article(a, Engine(rules, memo=None)) for a in articles]
    path = tmp_path / "p.sqlite"
    first = Stored(Memo(), Store(path, "s"))
    looked: list[bytes] = []
    real = Store.get
    monkeypatch.setattr(Store, "get", lambda store, key: looked.append(key) or real(store, key))
    assert [clean_article(a, Engine(rules, memo=first)) for a in articles] == plain
    first.store.release()
    assert first.misses > 0 and len(looked) == 1  # the first result: the store found empty
    release_prepared()  # a new process: nothing kept, in the memo or by the thread
    later = Stored(Memo(), Store(path, "s"))
    assert [clean_article(a, Engine(rules, memo=later)) for a in articles] == plain
    assert later.misses == 0 and later.hits > 0 and len(looked) > 1


def test_findings_of_the_embedded_checker_are_kept_between_runs(tmp_path, monkeypatch) -> None:
    from postedit.memo import Store

    sent: list[str] = []
    real = grammar.harper_check
    monkeypatch.setattr(grammar, "harper_check", lambda p, c: sent.extend(p) or real(p, c))
    config = GrammarConfig(language="en")
    store = Store(tmp_path / "p.sqlite", "s")
    first = grammar.Grammar(GrammarSettings("harper")).check(["Ths is wrong."], "en", config, store)
    store.release()
    later = Store(tmp_path / "p.sqlite", "s")
    again = grammar.Grammar(GrammarSettings("harper")).check(
        ["Ths is wrong.", "Anothr one."], "en", config, later
    )
    assert sent == ["Ths is wrong.", "Anothr one."]  # the first paragraph: from the store
    assert first is not None and again is not None and again[1][0] == first[1][0] != []
