"""The static review site: one page per article from the edits, everything escaped."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RULES, SEEDS

from postedit.runner import Settings, cleanup


def test_pages_show_changes_with_rule_ids(tmp_path: Path) -> None:
    cleanup(Settings(SEEDS, RULES, tmp_path, "en", "ar"))
    page = (tmp_path / "review" / "articles" / "002_886702d4e5dac6fe.html").read_text()
    assert "<del>truth</del><ins>truce</ins>" in page
    assert "en.from-ar.truth-truce" in page and "<mark" in page
    index = (tmp_path / "review" / "index.html").read_text()
    assert index.count('href="articles/') == 5
    by_fixes = (tmp_path / "review" / "index-fixes.html").read_text()
    assert by_fixes.index("002_886702d4e5dac6fe") < by_fixes.index("000_115896091037aa73")
    assert 'href="index-flags.html"' in index
    story = (tmp_path / "review" / "articles" / "001_4fb25f17430b9f0d.html").read_text()
    assert "Same story: linked to 003_9f568ec73e71a5e3 (related)" in story
    grouped = (tmp_path / "review" / "index-story.html").read_text()
    assert "Story 001_4fb25f17430b9f0d: 2 articles</th>" in grouped
    # the page links to its story's heading in the index by story
    assert 'href="../index-story.html#story-001_4fb25f17430b9f0d"' in story
    assert 'id="story-001_4fb25f17430b9f0d"' in grouped
    assert 'name="spread" value="story"' in story and 'name="spread"' not in page
    assert "<script" not in page + index + story


def test_article_html_is_shown_as_text(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    hostile = (
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> <a href="javascript:x">l</a>'
    )
    (inbox / "x.txt").write_text(f"Title <b>bold</b>\n\n{hostile}\n")
    cleanup(Settings(inbox, RULES, tmp_path / "out", "en"))
    page = (tmp_path / "out" / "review" / "articles" / "x.html").read_text()
    assert "<script>alert" not in page and "<img" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page
    record = json.loads((tmp_path / "out" / "corpus.jsonl").read_text())
    assert "<script>" in record["text"]  # the corpus keeps the text as it is


def test_a_passage_shared_word_for_word_is_shown_once_and_one_changed_side_by_side(
    tmp_path: Path,
) -> None:
    """A repost of a seed with one sentence changed: its page quotes each paragraph the two
    share word for word once, naming the other article, and the changed one in both forms."""
    import re
    import shutil

    inbox = tmp_path / "in"
    inbox.mkdir()
    (seed,) = SEEDS.glob("002_*.txt")
    shutil.copy(seed, inbox / "a.txt")
    text = seed.read_text(encoding="utf-8")
    changed = "the Iraqi arena is witnessing a calm state of security"
    assert text.count(changed) == 1
    (inbox / "b.txt").write_text(
        text.replace(changed, "the Iraqi arena has seen calm and security"), encoding="utf-8"
    )
    cleanup(Settings(inbox, RULES, tmp_path / "out", "en", "ar"))
    page = (tmp_path / "out" / "review" / "articles" / "b.html").read_text()
    same = re.findall(
        r'<div class="pair same"><div dir="auto">(.*?)<br><span class="meta">'
        r'word for word in <a href="a\.html">a</a>',
        page,
    )
    apart = re.findall(
        r'<div class="pair"><div dir="auto">(.*?)</div><div dir="auto">(.*?)<br>', page
    )
    assert len(same) >= 3
    for passage in same:  # quoted once on the page's story section
        assert page.split("<h2>Same story")[1].count(passage) == 1
    assert len(apart) == 1
    mine, other = apart[0]
    assert "has seen calm and security" in mine and changed in other
