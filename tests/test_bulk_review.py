"""Review at an editor's speed, the server's side: every decision says who took it and when
(UTC), the precision page can be filtered by reviewer, and one rule can be accepted or rejected
at once in an article, a story or the whole corpus, after a preview of how many, and a run then
honours it."""

from __future__ import annotations

import http.client
import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
import test_trust
from conftest import RULES, SEEDS

from postedit.decisions import context_key
from postedit.incremental import Cache
from postedit.model import Edit
from postedit.review import whitespace_change
from postedit.runner import Settings, cleanup

RULE = "en.entity-higher-military-commission"  # fixes in four of the five seeds


class Review(test_trust.Review):
    """The seeds' corpus served for ``reviewer``, with the pages' own requests."""

    def __init__(self, out: Path, reviewer: str) -> None:
        super().__init__(out, out / "review" / "decisions.jsonl", RULES, reviewer)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        body = urlencode({**form, "token": self.server.token})
        headers = {"Origin": self.base, "Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode("utf-8")
        location = response.getheader("Location") or ""
        conn.close()
        return response.status, data, location

    def get(self, path: str) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path)
        data = conn.getresponse().read().decode("utf-8")
        conn.close()
        return data

    def lines(self) -> list[dict]:
        if not self.decisions.exists():
            return []
        return [json.loads(line) for line in self.decisions.read_text().splitlines()]


@pytest.fixture
def corpus(seeds_corpus: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(seeds_corpus, out)
    return out


def fixes_of(out: Path, rule: str) -> int:
    records = map(json.loads, (out / "corpus.jsonl").read_text().splitlines())
    return sum(1 for r in records for e in r["edits"] if e["rule"] == rule and e["action"] == "fix")


def test_a_decision_records_the_reviewer_and_the_utc_time(corpus: Path) -> None:
    review = Review(corpus, "alice")
    try:
        article = next(a for a in Cache(corpus).ids() if a.startswith("003"))
        cached = Cache(corpus).load(article)
        edit = next(e for e in cached.edits if e.rule == RULE)
        before, left, right = context_key(cached.raw, edit.start, edit.end)
        form = {"article": article, "rule": RULE, "before": before, "left": left, "right": right}
        status, _, _ = review.post("/decide", {**form, "decision": "reject"})
        assert status == 303
        (line,) = review.lines()
        assert line["reviewer"] == "alice"
        when = datetime.strptime(line["decided"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert abs((datetime.now(UTC) - when).total_seconds()) < 60
    finally:
        review.close()
    # another reviewer's view of the precision page: alice's decision is not theirs
    bob = Review(corpus, "bob")
    try:
        post = {"article": article, "rule": "en.blog-comment-footer", "decision": "accept"}
        cached = Cache(corpus).load(article)
        edit = next(e for e in cached.edits if e.rule == "en.blog-comment-footer")
        before, left, right = context_key(cached.raw, edit.start, edit.end)
        bob.post("/decide", {**post, "before": before, "left": left, "right": right})
        every = {r["rule"]: r for r in json.loads(bob.get("/stats.json"))["rules"]}
        assert every[RULE]["rejected"] == 1 and every["en.blog-comment-footer"]["accepted"] == 1
        mine = json.loads(bob.get("/stats.json?reviewer=bob"))
        rules = {r["rule"]: r for r in mine["rules"]}
        assert rules.get(RULE, {}).get("rejected", 0) == 0
        assert rules["en.blog-comment-footer"]["accepted"] == 1
        assert mine["reviewers"] == ["alice", "bob"] and mine["reviewer"] == "bob"
        page = bob.get("/stats.html?reviewer=alice")
        assert "decisions of alice" in page and '<option value="bob">' in page
    finally:
        bob.close()


def test_a_bulk_reject_of_a_rule_across_the_corpus_leaves_no_fix_of_it(corpus: Path) -> None:
    assert fixes_of(corpus, RULE) >= 4
    review = Review(corpus, "alice")
    try:
        article = next(a for a in Cache(corpus).ids() if a.startswith("003"))
        form = {"rule": RULE, "scope": "corpus", "decision": "reject", "article": article}
        status, page, _ = review.post("/bulk", form)  # the preview: how many, nothing decided
        assert status == 200 and not review.lines()
        count = int(re.search(r'id="bulk-count">(\d+)', page).group(1))
        assert count == fixes_of(corpus, RULE)
        status, _, location = review.post("/bulk", {**form, "confirm": "1"})
        assert status == 303 and "done=" in location
        assert len(review.lines()) == count
        assert {(d["decision"], d["reviewer"]) for d in review.lines()} == {("reject", "alice")}
        notice = review.get(location)
        assert f"Rejected {count} change(s) of {RULE}" in notice
        # nothing is left undecided: a second bulk finds nothing to do
        _, again, _ = review.post("/bulk", form)
        assert 'id="bulk-count">0 ' in again
    finally:
        review.close()
    cleanup(Settings(SEEDS, RULES, corpus, "en", "ar"))
    assert fixes_of(corpus, RULE) == 0  # (rejected, shown as flags; or, rejected this often,
    # the rule is demoted by the trust policy: either way no fix of it is applied)


def test_a_bulk_decision_in_one_article_stays_in_it(corpus: Path) -> None:
    review = Review(corpus, "alice")
    try:
        article = next(a for a in Cache(corpus).ids() if a.startswith("002"))
        form = {"rule": RULE, "scope": "article", "decision": "accept", "article": article}
        review.post("/bulk", {**form, "confirm": "1"})
        assert review.lines() and {d["article"] for d in review.lines()} == {article}
        status, _, _ = review.post("/bulk", {**form, "scope": "galaxy"})
        assert status == 400
    finally:
        review.close()


def test_an_editor_writes_the_fix_for_a_flag_and_the_run_applies_it(corpus: Path) -> None:
    article = next(a for a in Cache(corpus).ids() if a.startswith("002"))
    cached = Cache(corpus).load(article)
    flag = next(
        e for e in cached.edits if e.rule == "en.capital-mid-sentence" and e.before == "Since"
    )
    before, left, right = context_key(cached.raw, flag.start, flag.end)
    form = {"article": article, "rule": flag.rule, "before": before, "left": left, "right": right}
    review = Review(corpus, "alice")
    try:
        page = review.get(f"/articles/{article}.html")
        assert 'class="noprint typed"' in page and "write this" in page
        status, _, _ = review.post("/decide", {**form, "decision": "accept", "after": "since"})
        assert status == 303
        assert review.lines()[-1]["after"] == "since"
        status, _, _ = review.post("/decide", {**form, "decision": "accept", "after": "x\ny"})
        assert status == 400  # one line only
    finally:
        review.close()
    cleanup(Settings(SEEDS, RULES, corpus, "en", "ar"))
    record = next(
        r
        for r in map(json.loads, (corpus / "corpus.jsonl").read_text().splitlines())
        if r["id"] == article
    )
    (written,) = [e for e in record["edits"] if e["rule"] == flag.rule and e["start"] == flag.start]
    assert (written["action"], written["after"], written["decision"]) == (
        "fix",
        "since",
        "accepted",
    )
    assert "Written by an editor." in written["message"]
    assert left.split()[-1] + " since" in " ".join(record["text"].split())


def test_a_white_space_change_reads_as_words(seeds_corpus: Path) -> None:
    edit = Edit("repair.whitespace", "fix", 0, 1, "\u00a0", " ", "m", 1.0)
    assert whitespace_change(edit) == "no-break space → space"
    assert whitespace_change(replace(edit, before="   ")) == "3 spaces → space"
    assert whitespace_change(replace(edit, before="a")) is None
    page = next((seeds_corpus / "review" / "articles").glob("002*.html")).read_text()
    assert "⟨no-break space → nothing⟩" in page  # en.space-before-comma on seed 002


def test_the_index_leads_with_title_and_outlet_and_counts_what_is_reviewed() -> None:
    from postedit.review import index_page, outlet

    record = {
        "id": "a1b2c3",
        "title": "Talks resume",
        "source": "007_shafaq.txt",
        "language": "en",
        "date": None,
        "cluster": {"id": "a1b2c3", "role": "canonical", "of": None},
        "edits": [
            {"action": "fix", "decision": "accepted"},
            {"action": "flag"},
            {"action": "flag", "decision": "rejected"},
        ],
    }
    assert outlet("007_shafaq.txt") == "shafaq" and outlet("feeds/alsumaria/x.md") == "alsumaria"
    page = index_page([record])
    row = page[page.index("<tbody>") :]
    assert row.index("Talks resume") < row.index("shafaq") < row.index('class="id">a1b2c3')
    assert '<td class="reviewed">2 of 3</td>' in page and "2 of 3 changes and flags" in page


def test_a_bulk_accept_skips_what_a_guard_held_back_and_says_so(tmp_path: Path) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    (inbox / "a.txt").write_text(
        "Talks in the capital\n\nThe ministers met , and the talks went on until the evening.\n\n"
        "The envoy said: “We met , and we will meet again next week.”\n",
        encoding="utf-8",
    )
    cleanup(Settings(inbox, RULES, out, "en", None))
    (record,) = map(json.loads, (out / "corpus.jsonl").read_text().splitlines())
    mine = [e for e in record["edits"] if e["rule"] == "en.space-before-comma"]
    assert sorted((e["action"], bool(e.get("held"))) for e in mine) == [
        ("fix", False),
        ("flag", True),  # inside a quotation: held back by the guard
    ]
    review = Review(out, "alice")
    try:
        form = {"rule": "en.space-before-comma", "scope": "corpus", "decision": "accept"}
        _, page, _ = review.post("/bulk", {**form, "article": "a"})
        assert 'id="bulk-count">1 undecided' in page and "1 change(s) a guard held back" in page
        status, _, location = review.post("/bulk", {**form, "article": "a", "confirm": "1"})
        assert status == 303 and len(review.lines()) == 1
        assert "1 held back by a guard, skipped" in review.get(location)
        # a reject covers the held one too
        _, page, _ = review.post("/bulk", {**form, "decision": "reject", "article": "a"})
        assert 'id="bulk-count">1 undecided' in page and "held back" not in page
    finally:
        review.close()
