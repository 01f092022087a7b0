"""Incremental, idempotent runs: what is cleaned again, what is not, and one run at a time."""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import RULES, SEEDS

from postedit import incremental
from postedit.decisions import append_decision
from postedit.lock import Busy, output_lock
from postedit.memo import STORE_FILE
from postedit.read import ReadDefaults, read_folder
from postedit.render import clean_paragraphs, clean_title
from postedit.runner import Settings, cleanup
from postedit.synthetic import repost


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes (report.json aside: it records the run's timings; the lock,
    which records who ran last; and the paragraph results kept between runs, which hold what
    each run cleaned). The manifest less what the file system said of each
    input file when it was read (its times and inode, `postedit.read.stat_key`): the same
    corpus is made from the same bytes, read at any time."""
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and p.name not in ("report.json", ".postedit.lock")
        and not p.name.startswith(STORE_FILE)  # a cache of paragraph results: its history's
    }
    if "run-manifest.json" in files:
        manifest = json.loads(files["run-manifest.json"])
        for entry in manifest.get("files", {}).values():
            entry.pop("stat", None)
        files["run-manifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*.*")
        if p.name != ".postedit.lock"  # the run's lock, not an output
    }


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    return folder


def run(inbox: Path, out: Path, rules: Path = RULES, **kwargs) -> dict:
    decisions = kwargs.pop("decisions", None)
    return cleanup(Settings(inbox, rules, out, "en", "ar", decisions=decisions), **kwargs)


def add_repost(inbox: Path, of: str, name: str, seed: int) -> None:
    """A repost of the seed ``of`` (cut, padded with a site's furniture, a word changed), put in
    ``inbox`` as ``name``.txt."""
    (article,) = [a for a in read_folder(SEEDS, ReadDefaults("en", "ar")) if a.id == of]
    text = repost(clean_title(article), clean_paragraphs(article), random.Random(seed))
    (inbox / f"{name}.txt").write_text(text, encoding="utf-8")


def run_fresh(inbox: Path, out: Path) -> Path:
    """``out`` after a run from nothing on ``inbox``."""
    run(inbox, out)
    return out


def seed_file(inbox: Path, prefix: str) -> Path:
    (path,) = inbox.glob(f"{prefix}*")
    return path


def test_a_second_run_on_unchanged_seeds_cleans_nothing_and_writes_nothing(
    inbox: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run(inbox, out)
    assert (first["processed"], first["skipped"]) == (5, 0)
    before, stamps = snapshot(out), mtimes(out)
    second = run(inbox, out)
    assert (second["processed"], second["skipped"], second["failed"]) == (0, 5, 0)
    assert second["outputs"] == {"written": 0, "unchanged": 15, "removed": 0}
    assert json.loads((out / "report.json").read_text())["processed"] == 0
    assert snapshot(out) == before
    changed = {k for k, v in mtimes(out).items() if stamps.get(k) != v}
    assert changed == {"report.json"}  # not even rewritten with the same bytes
    # the corpus and counts are those of the first run: cached articles keep their edits
    assert second["edits"] == first["edits"] and second["per_article"] == first["per_article"]


def test_editing_one_article_cleans_that_one_again(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    path = seed_file(inbox, "002")
    added = "Violations of the truth between the armed factions were reported near the border."
    path.write_text(f"{added}\n\n{path.read_text()}")
    report = run(inbox, out)
    assert (report["processed"], report["skipped"]) == (1, 4)
    assert added.replace("truth", "truce") in (out / "articles" / f"{path.stem}.txt").read_text()
    # the same bytes again (a touch, a copy) is not a change: content, not mtimes, decides
    path.write_bytes(path.read_bytes())
    assert run(inbox, out)["processed"] == 0


def test_a_settled_unchanged_file_is_not_read_but_a_rewrite_with_its_old_size_and_time_is(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """A file whose status (size, times, inode) is as the last run saw it is not read to know
    that its bytes are the same; a rewrite that keeps its size and puts its modification time
    back still changes its change time, and is read and cleaned again."""
    import os

    from postedit import read, runner

    monkeypatch.setattr(read, "SETTLED_NS", 0)  # files written just now count as settled
    out = tmp_path / "out"
    run(inbox, out)
    hashed: list[Path] = []
    real = runner.file_key
    monkeypatch.setattr(runner, "file_key", lambda path, *a: hashed.append(path) or real(path, *a))
    assert run(inbox, out)["processed"] == 0 and hashed == []
    path = seed_file(inbox, "002")
    text, info = path.read_text(), path.stat()
    published = (out / "articles" / f"{path.stem}.txt").read_text()
    changed = text.replace("truth", "TRUTH", 1)
    assert changed != text and len(changed.encode()) == len(text.encode())
    path.write_text(changed)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    report = run(inbox, out)
    assert hashed == [path] and report["processed"] == 1
    assert (out / "articles" / f"{path.stem}.txt").read_text() != published


def test_a_pack_change_cleans_again_only_the_articles_it_applies_to(
    inbox: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (inbox / "persian.md").write_text(
        "---\ntitle: From Persian\nlanguage: en\nsource_language: fa\n---\n"
        "The the truth held in Basra.\n"
    )
    out = tmp_path / "out"
    assert run(inbox, out, rules)["processed"] == 6
    confusions = rules / "en" / "from-ar" / "confusions.yaml"  # English translated from Arabic
    confusions.write_text(confusions.read_text() + "\n# reviewed again\n")
    report = run(inbox, out, rules)
    assert (report["processed"], report["skipped"]) == (5, 1)
    assert "persian" in json.loads((out / "cache" / "persian.json").read_text())["article"]["id"]
    punctuation = rules / "en" / "punctuation.yaml"  # every English article
    punctuation.write_text(punctuation.read_text() + "\n# reviewed again\n")
    assert run(inbox, out, rules)["processed"] == 6


def test_a_decision_cleans_again_only_the_article_it_is_about(inbox: Path, tmp_path: Path) -> None:
    out, decisions = tmp_path / "out", tmp_path / "decisions.jsonl"
    run(inbox, out, decisions=decisions)
    record = json.loads((out / "corpus.jsonl").read_text().splitlines()[2])
    edit = next(e for e in record["edits"] if e["rule"] == "en.from-ar.truth-truce")
    raw = next(a.raw for a in read_folder(inbox, ReadDefaults("en", "ar")) if a.id == record["id"])
    from postedit.decisions import context_key

    before, left, right = context_key(raw, edit["start"], edit["end"])
    line = {"article": record["id"], "rule": edit["rule"], "before": before}
    append_decision(decisions, {**line, "left": left, "right": right, "decision": "reject"})
    report = run(inbox, out, decisions=decisions)
    assert (report["processed"], report["skipped"]) == (1, 4)
    again = json.loads((out / "corpus.jsonl").read_text().splitlines()[2])
    assert any(e.get("decision") == "rejected" for e in again["edits"])


def test_new_code_cleans_everything_again(inbox: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    monkeypatch.setattr(incremental, "code_fingerprint", lambda: "another version")
    assert run(inbox, out)["processed"] == 5
    assert run(inbox, out, force=True)["processed"] == 5  # --force, whatever the cache says


def test_a_changed_template_is_new_code(tmp_path: Path, monkeypatch) -> None:
    """The review pages are rendered with the package's templates: a change to one renders
    every page again, as a change to the code does."""
    from importlib import resources

    package = tmp_path / "postedit"
    shutil.copytree(Path(str(resources.files("postedit"))), package)
    monkeypatch.setattr(incremental.resources, "files", lambda name: package)
    fingerprint = incremental.code_fingerprint.__wrapped__
    before = fingerprint()
    assert fingerprint() == before
    page = package / "templates" / "article.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- -->", encoding="utf-8")
    assert fingerprint() != before


def test_a_damaged_cache_entry_is_a_miss_not_a_crash(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    before = snapshot(out)
    entry = sorted((out / "cache").iterdir())[0]
    entry.write_text('{"fingerprint": "', encoding="utf-8")  # torn
    report = run(inbox, out)
    assert (report["processed"], report["failed"]) == (1, 0)
    assert snapshot(out) == before  # cleaned again into exactly the same outputs


def test_a_deleted_input_leaves_the_corpus(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    gone = seed_file(inbox, "000")
    gone.unlink()
    report = run(inbox, out)
    assert (report["articles"], report["processed"], report["removed"]) == (4, 0, 1)
    ids = [json.loads(line)["id"] for line in (out / "corpus.jsonl").read_text().splitlines()]
    assert gone.stem not in ids and len(ids) == 4
    for folder, suffix in (("articles", ".txt"), ("diffs", ".diff"), ("cache", ".json")):
        assert not (out / folder / f"{gone.stem}{suffix}").exists()
    assert not (out / "review" / "articles" / f"{gone.stem}.html").exists()


def test_a_new_article_is_deduplicated_against_the_earlier_ones(
    inbox: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    (article,) = [a for a in read_folder(SEEDS, ReadDefaults("en", "ar")) if a.id[:3] == "004"]
    add_repost(inbox, article.id, "repost", 4)
    report = run(inbox, out)
    assert (report["processed"], report["skipped"]) == (1, 5)
    records = {r["id"]: r for r in map(json.loads, (out / "corpus.jsonl").read_text().splitlines())}
    assert records["repost"]["cluster"]["role"] == "duplicate"
    assert records["repost"]["cluster"]["of"] == article.id
    # the pairs of unchanged articles were not scored again
    assert 0 < report["dedup"]["compared"] < report["dedup"]["candidate_pairs"] or (
        report["dedup"]["compared"] == report["dedup"]["candidate_pairs"] == 1
    )


def test_remembered_comparisons_give_the_same_clusters(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run(inbox, out)
    clusters = (out / "clusters.json").read_bytes()
    (out / "clusters.json").unlink()  # the corpus must be written again: de-duplicated again
    second = run(inbox, out)
    assert second["dedup"]["compared"] == 0 and first["dedup"]["compared"] > 0
    assert (out / "clusters.json").read_bytes() == clusters


def test_an_unchanged_run_reads_renders_and_compares_nothing_again(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """What the last run read and wrote is in its manifest: an input file with the same bytes
    is not parsed, and an article whose outputs would not change is not rendered again."""
    from postedit import runner, write

    out = tmp_path / "out"
    run(inbox, out)
    before, times = snapshot(out), mtimes(out)
    calls: Counter[str] = Counter()

    def counted(module, name):
        real = getattr(module, name)

        def spy(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)

    counted(runner, "read_file")
    counted(runner, "deduplicate_items")
    counted(write, "article_page")
    report = run(inbox, out)
    assert calls == Counter() and report["skipped"] == report["articles"] > 0
    assert snapshot(out) == before and report["outputs"]["written"] == 0
    assert {k: t for k, t in mtimes(out).items() if k != "report.json"} == {
        k: t for k, t in times.items() if k != "report.json"
    }
    (out / "review" / "index.html").unlink()  # an output gone: the corpus is written again
    run(inbox, out)
    assert (out / "review" / "index.html").is_file() and calls["deduplicate_items"] == 1
    calls.clear()

    added = inbox / "zz-new.txt"
    added.write_text(
        "Talks resume in Baghdad\n\nThe two delegations met on Sunday to resume the talks "
        "on the future of the coalition, officials said.\n",
        encoding="utf-8",
    )
    report = run(inbox, out)
    assert calls["read_file"] == 1 and calls["deduplicate_items"] == 1
    assert report["processed"] == 1 and calls["article_page"] < report["articles"]
    assert json.loads((out / "report.json").read_text())["articles"] == report["articles"]
    assert snapshot(out) == snapshot(run_fresh(inbox, tmp_path / "fresh"))  # as from nothing


def test_a_new_member_of_a_story_renders_again_only_the_pages_it_is_linked_to(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """A page shows its article's links and their passages, not every member of its story: a
    repost that joins a story changes the page of the article it duplicates, and no other."""
    from postedit import write

    out = tmp_path / "out"
    run(inbox, out)
    records = {r["id"]: r for r in map(json.loads, (out / "corpus.jsonl").read_text().splitlines())}
    stories = Counter(r["cluster"]["id"] for r in records.values())
    story = next(s for s, n in stories.items() if n >= 2)
    members = sorted(i for i, r in records.items() if r["cluster"]["id"] == story)
    add_repost(inbox, story, "zz-repost", 4)
    pages = out / "review" / "articles"
    times = {i: (pages / f"{i}.html").stat().st_mtime_ns for i in members}
    rendered: list[str] = []
    real = write.article_page

    def spy(article, *args, **kwargs):
        rendered.append(article.id)
        return real(article, *args, **kwargs)

    monkeypatch.setattr(write, "article_page", spy)
    run(inbox, out)
    records = {r["id"]: r for r in map(json.loads, (out / "corpus.jsonl").read_text().splitlines())}
    assert records["zz-repost"]["cluster"]["id"] == records["zz-repost"]["cluster"]["of"] == story
    others = [i for i in members if i != story]
    assert sorted(rendered) == sorted([story, "zz-repost"])  # not the other members' pages
    assert all((pages / f"{i}.html").stat().st_mtime_ns == times[i] for i in others)
    page = (pages / f"{story}.html").read_text()
    assert "zz-repost (duplicate)" in page and 'href="zz-repost.html"' in page
    assert snapshot(out) == snapshot(run_fresh(inbox, tmp_path / "fresh"))  # as from nothing


def test_a_story_no_new_article_changes_keeps_its_evidence_as_written(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """A story's evidence (its links and their passages, in ``clusters.json``) is made again
    only where the run changes what it is made from: a story whose members, links and passages
    are as they were is taken from the last ``clusters.json``, if its line there is the one the
    manifest names (an altered line is made again); the corpus is the one a run from nothing
    writes."""
    from postedit import dedup

    seeds = sorted(a.id for a in read_folder(SEEDS, ReadDefaults("en", "ar")))
    first, second = seeds[0], seeds[1]  # 001 is a story already (with 003)
    add_repost(inbox, first, "zz-a", 4)
    out = tmp_path / "out"
    run(inbox, out)
    stories = json.loads((out / "clusters.json").read_text())
    assert sorted(stories) == [first, second]
    made: list[list[str]] = []
    real = dedup._evidence

    def spy(items, members, *rest):
        made.append(sorted(items[i].id for i in members))
        return real(items, members, *rest)

    monkeypatch.setattr(dedup, "_evidence", spy)
    add_repost(inbox, second, "zz-b", 5)  # joins the second story: the first is as it was
    run(inbox, out)
    assert made == [sorted([*(m["id"] for m in stories[second]["members"]), "zz-b"])]
    assert json.loads((out / "clusters.json").read_text())[first] == stories[first]
    assert snapshot(out) == snapshot(run_fresh(inbox, tmp_path / "fresh"))

    written = (out / "clusters.json").read_text()
    altered = written.replace('"why":"the most complete', '"why":"The most complete', 1)
    assert altered != written and json.loads(altered)  # the first story's line, still JSON
    (out / "clusters.json").write_text(altered)
    (inbox / "zz-new.txt").write_text("Talks resume\n\nThe delegations met on Sunday.\n")
    made.clear()
    run(inbox, out)
    assert [m[0] for m in made] == [first]  # made again: its line is not the one written
    assert snapshot(out) == snapshot(run_fresh(inbox, tmp_path / "fresh-2"))


def test_the_last_stories_are_found_by_their_line_whatever_their_ids(tmp_path: Path) -> None:
    """`EarlierStories` reads each story of ``clusters.json`` where `stories_chunks` wrote it
    (ids with quotes, colons and braces, text beyond ASCII), and gives it only for its key and
    only if its text is the one whose hash it was given."""
    from postedit.dedup import text_key
    from postedit.write import EarlierStories, stories_chunks

    texts = {"a": '{"x":1}', 'we: {"ird"': '{"y":"é: {"}', "z": '{"k":[1,2]}'}
    path = tmp_path / "clusters.json"
    path.write_text("".join(stories_chunks(texts, texts)), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == {
        k: json.loads(v) for k, v in texts.items()
    }
    entries = {k: ["key", text_key(v)] for k, v in texts.items()} | {"z": ["key", "other"]}
    taken = EarlierStories(path, entries)
    try:
        assert taken("a", "key") == (texts["a"], text_key(texts["a"]))
        assert taken('we: {"ird"', "key") == (texts['we: {"ird"'], text_key(texts['we: {"ird"']))
        assert taken("a", "another key") is None
        assert taken("z", "key") is None  # its text is not the one named
        assert taken("missing", "key") is None
    finally:
        taken.close()
    assert EarlierStories(tmp_path / "none.json", entries)("a", "key") is None


def test_a_damaged_corpus_line_is_written_again_not_copied(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """The lines of unchanged articles are copied from the last run's corpus as bytes; a line
    that is not whole (bytes that are not UTF-8, a last line cut short) is not copied: its
    article is rendered again, and the corpus is the one a run from nothing writes."""
    from postedit import write

    out = tmp_path / "out"
    run(inbox, out)
    lines = (out / "corpus.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) == 5
    lines[1] = lines[1][:40] + b"\xff\xfe" + lines[1][40:]
    lines[-1] = lines[-1].rstrip(b"\n")
    (out / "corpus.jsonl").write_bytes(b"".join(lines))
    (inbox / "zz-new.txt").write_text("Talks resume\n\nThe delegations met on Sunday.\n")
    pages: list[str] = []
    real = write.article_page
    monkeypatch.setattr(
        write, "article_page", lambda a, *rest: pages.append(a.id) or real(a, *rest)
    )
    run(inbox, out)
    damaged = [json.loads(x.decode("utf-8", "replace"))["id"] for x in (lines[1], lines[-1])]
    assert set(damaged) <= set(pages) and "zz-new" in pages and len(pages) < 6
    assert snapshot(out) == snapshot(run_fresh(inbox, tmp_path / "fresh"))  # as from nothing


def test_the_state_copies_the_lines_of_unchanged_articles(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """``dedup-state.json`` holds an article a line: a run copies the line of an article it
    keeps as it was, and makes the line of any other again (new, changed, or a line that no
    longer says what its article is); its state is the one a run from nothing writes, also
    after a state of the earlier layout (version 3, all on one line)."""
    from postedit import dedup

    out, fresh = tmp_path / "out", tmp_path / "fresh"
    run(inbox, out)
    made: list[str] = []
    real = dedup.Item.to_state
    monkeypatch.setattr(dedup.Item, "to_state", lambda i: made.append(i.id) or real(i))
    (inbox / "zz-new.txt").write_text("Talks resume\n\nThe delegations met on Sunday.\n")
    run(inbox, out)
    assert made == ["zz-new"]  # the five others' lines: copied
    state = (out / "dedup-state.json").read_bytes()
    lines = state.split(b"\n")
    assert lines[0] == b'{"version": 4, "articles": {' and len(lines) == 6 + 3
    run(inbox, fresh)
    assert snapshot(out) == snapshot(fresh)

    # a line whose article was made from something else: made again, not copied
    parsed = json.loads(state)
    first = next(iter(parsed["articles"]))
    lines[1] = lines[1].replace(parsed["articles"][first]["made_from"].encode(), b"0" * 32)
    (out / "dedup-state.json").write_bytes(b"\n".join(lines))
    (out / "clusters.json").unlink()  # something to write: the corpus is written again
    made.clear()
    run(inbox, out)
    assert made == [first] and snapshot(out) == snapshot(fresh)

    # the earlier layout is read, and every line made
    parsed["version"] = 3
    (out / "dedup-state.json").write_text(json.dumps(parsed))
    (out / "clusters.json").unlink()
    made.clear()
    run(inbox, out)
    assert sorted(made) == sorted(parsed["articles"]) and snapshot(out) == snapshot(fresh)


def test_the_manifest_copies_the_entries_of_files_read_as_before(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """The manifest holds an input file's entry a line: a file the file system says is as the
    last run read it, giving the same articles, keeps its line as written; the others' entries
    are made. The manifest says what a run that makes every entry says."""
    from postedit import read
    from postedit.report import Summary

    monkeypatch.setattr(read, "SETTLED_NS", 0)  # files written just now count as settled
    out = tmp_path / "out"
    run(inbox, out)
    made: list[str] = []
    real = Summary.to_dict
    monkeypatch.setattr(Summary, "to_dict", lambda s: made.append(s.id) or real(s))
    (inbox / "zz-new.txt").write_text("Talks resume\n\nThe delegations met on Sunday.\n")
    (seed_file(inbox, "002")).write_text(seed_file(inbox, "002").read_text() + "\nMore.\n")
    run(inbox, out)
    assert sorted(made) == sorted(["zz-new", seed_file(inbox, "002").stem])
    written = (out / "run-manifest.json").read_bytes()
    lines = written.split(b"\n")
    assert lines[0].endswith(b'"files":{') and len(lines) == 1 + 6 + 1 + 1  # "" after the end
    copied = json.loads(written)

    made.clear()
    (out / "run-manifest.json").write_bytes(written.replace(b"\n", b""))  # one line: not copied
    (out / "clusters.json").unlink()  # something to write
    run(inbox, out)
    assert len(made) == 6
    assert json.loads((out / "run-manifest.json").read_bytes()) == copied


def test_a_repost_in_a_later_run_takes_its_paragraphs_results_from_the_store(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """The results of the paragraphs a run cleaned are kept (``cache/paragraphs.sqlite``): a
    later run, in a new process, reads a repost's paragraphs in the store rather than through
    the rules again, and writes what a run from nothing writes. ``--force`` uses no store."""
    from postedit.correct import Matcher
    from postedit.memo import PARAGRAPHS

    out = tmp_path / "out"
    PARAGRAPHS.clear()  # a new process, whose memo holds nothing from other tests' runs
    run(inbox, out)
    assert (out / "cache" / STORE_FILE).is_file()
    seed = seed_file(inbox, "004")
    title, _, body = seed.read_text(encoding="utf-8").partition("\n")
    (inbox / "zz-repost.txt").write_text(f"Reposted: {title}\n{body}", encoding="utf-8")
    read: list[str] = []
    real = Matcher.hits
    monkeypatch.setattr(Matcher, "hits", lambda m, para: read.append(para.text) or real(m, para))
    PARAGRAPHS.clear()  # a new process
    assert run(inbox, out)["processed"] == 1
    assert read and all(text not in body for text in read)  # its title only: read anew
    PARAGRAPHS.clear()
    assert snapshot(out) == snapshot(run_fresh(inbox, tmp_path / "fresh"))  # as from nothing
    read.clear()
    PARAGRAPHS.clear()
    run(inbox, out, force=True)  # the same output: its store is there, and not read
    assert any(text in body for text in read)


def test_reposts_word_for_word_give_the_outputs_of_cleaning_each_anew(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    """Reposts of one article word for word, under other names and dates, are cleaned once
    (`postedit.pipeline.clean_article`) and their items made once (`Run._keep`): the run
    writes what it writes when each is cleaned and made anew, each with its own id and date."""
    from postedit import pipeline, runner
    from postedit.memo import PARAGRAPHS

    seed = seed_file(inbox, "003")
    title, _, body = seed.read_text(encoding="utf-8").partition("\n")
    for k, day in enumerate(("2024-02-01", "2024-02-03", "2024-02-03")):
        front = f"---\ntitle: {json.dumps(title)}\ndate: {day}\n---\n"
        (inbox / f"zz-copy-{k}.md").write_text(front + body, encoding="utf-8")
    cleaned: list[str] = []
    real = pipeline.run_stages
    monkeypatch.setattr(
        pipeline, "run_stages", lambda a, *r, **kw: cleaned.append(a.id) or real(a, *r, **kw)
    )

    def fresh_process() -> None:
        PARAGRAPHS.clear()
        pipeline.release_prepared()

    fresh_process()
    report = run(inbox, tmp_path / "once")
    assert report["processed"] == 8
    assert [i for i in cleaned if i.startswith("zz-copy")] == ["zz-copy-0"]
    monkeypatch.setattr(pipeline, "ARTICLES_KEPT", 0)  # nothing kept: each made anew
    monkeypatch.setattr(runner, "MADE_KEPT", 0)
    fresh_process()
    cleaned.clear()
    run(inbox, tmp_path / "anew")
    assert len(cleaned) == 8
    assert snapshot(tmp_path / "once") == snapshot(tmp_path / "anew")
    state = json.loads((tmp_path / "once" / "dedup-state.json").read_text(encoding="utf-8"))
    items = {i: v for i, v in state["articles"].items() if i.startswith("zz-copy")}
    assert [v["date"] for v in items.values()] == ["2024-02-01", "2024-02-03", "2024-02-03"]
    assert len({v["digest"] for v in items.values()}) == 1
    assert len({v["made_from"] for v in items.values()}) == 3
    fresh_process()


def test_batches_cleaned_in_other_processes_keep_their_results_too(
    inbox: Path, tmp_path: Path
) -> None:
    """A pool's processes write the results of each batch they clean (they do not live to the
    cleaning's end); the run's own writes its results when its cleaning ends."""
    import sqlite3

    from postedit import grammar
    from postedit.memo import PARAGRAPHS

    def kept(out: Path) -> int:
        with sqlite3.connect(out / "cache" / STORE_FILE) as con:
            return con.execute("SELECT count(*) FROM results").fetchone()[0]

    def new_process() -> None:  # the memos of a new process (a pool's start with this one's)
        PARAGRAPHS.clear()
        grammar._GRAMMARS.clear()

    new_process()
    here = run(inbox, tmp_path / "here")
    new_process()
    pooled = run(inbox, tmp_path / "pooled", workers=2, batch_size=2)
    assert here["processed"] == pooled["processed"] == 5
    assert kept(tmp_path / "pooled") == kept(tmp_path / "here") > 0
    assert snapshot(tmp_path / "pooled") == snapshot(tmp_path / "here")


def test_one_article_that_cannot_be_cleaned_does_not_sink_the_run(
    inbox: Path, tmp_path: Path, monkeypatch
) -> None:
    from postedit import runner

    real = runner.clean_article

    def explode(article, engine, timings=None):
        if article.id.startswith("003"):
            raise RuntimeError("a bug in a stage")
        return real(article, engine, timings)

    monkeypatch.setattr(runner, "clean_article", explode)
    report = run(inbox, tmp_path / "out")
    assert (report["articles"], report["failed"], report["status"]) == (4, 1, "partial")
    (error,) = report["errors"]
    assert error["source"].startswith("003")
    assert "RuntimeError: a bug in a stage" in error["message"]


def test_a_second_run_on_the_same_output_is_refused_with_a_clear_message(
    inbox: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run(inbox, out)
    before = snapshot(out)
    with output_lock(out), pytest.raises(Busy) as refused:
        run(inbox, out)
    message = str(refused.value)
    assert str(out) in message and "another postedit run" in message and "pid" in message
    assert snapshot(out) == before
    assert run(inbox, out)["skipped"] == 5  # the lock is free again


def test_the_cli_says_the_output_is_busy(inbox: Path, tmp_path: Path, capsys) -> None:
    from postedit.cli import EXIT_BUSY, main

    out = tmp_path / "out"
    argv = ["run", str(inbox), "-o", str(out), "-r", str(RULES), "--no-prefect", "--language=en"]
    with output_lock(out):
        assert main(argv) == EXIT_BUSY
    assert "being written by another postedit run" in capsys.readouterr().err
    assert main(argv) == 0
