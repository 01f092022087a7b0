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
