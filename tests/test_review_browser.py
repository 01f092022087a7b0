"""The review page in a real browser (Debian's chromium driven by Playwright): see a change,
reject it, re-run the flow, find it not applied and marked rejected."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import ROOT, RULES, SEEDS

pytestmark = [pytest.mark.browser, pytest.mark.flow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
S002 = "002_886702d4e5dac6fe"
HOSTILE = (
    "Hostile <b>title</b>\n\n<script>alert('script')</script>\n\n"
    "<img src=x onerror=\"alert('img')\"> and <a href=\"javascript:alert('link')\">a link</a>\n"
)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "browser tests skipped: Debian's chromium is not installed "
            "(make setup installs it as root)"
        )
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def flow(inbox: Path, out: Path, decisions: Path) -> None:
    from flows.cleanup import cleanup

    report = cleanup(
        input_dir=inbox,
        rules_dir=RULES,
        output_dir=out,
        language="en",
        source_language="ar",
        decisions=decisions,
    )
    assert report["failed"] == 0


def test_reject_a_change_and_it_stays_rejected(prefect_harness, browser, tmp_path: Path) -> None:
    from postedit.server import serve

    inbox, out, decisions = tmp_path / "in", tmp_path / "out", tmp_path / "decisions.jsonl"
    shutil.copytree(SEEDS, inbox)
    (inbox / "hostile.txt").write_text(HOSTILE)
    flow(inbox, out, decisions)
    server = serve(out, decisions, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{base}/articles/{S002}.html")
        rows = page.locator("tr", has=page.locator("td.rule", has_text="en.from-ar.truth-truce"))
        assert rows.count() == 3
        assert rows.first.locator("del").inner_text() == "truth"
        assert rows.first.locator("ins").inner_text() == "truce"
        if os.environ.get("POSTEDIT_SCREENSHOT"):
            page.screenshot(path=str(ROOT / "docs" / "review-page.png"))
        rows.first.locator("button[value=reject]").click()
        page.wait_for_load_state()
        assert len(decisions.read_text().splitlines()) == 1

        flow(inbox, out, decisions)
        page.reload()
        rows = page.locator("tr", has=page.locator("td.rule", has_text="en.from-ar.truth-truce"))
        assert "rejected" in rows.first.inner_text()
        assert "Rejected by an editor" in rows.first.inner_text()
        record = next(r for r in map(json.loads, (out / "corpus.jsonl").open()) if r["id"] == S002)
        assert "entered into a truth with" in record["text"]
        assert record["text"].count("truce") >= 2

        page.goto(f"{base}/articles/hostile.html")
        assert "<script>alert('script')</script>" in page.inner_text("body")
        page.locator("text=a link").first.click(no_wait_after=True)
        assert dialogs == []  # nothing from the article ran
        assert page.locator("img").count() == 0
    finally:
        page.close()
        server.shutdown()


def test_the_server_refuses_cross_site_and_bad_requests(tmp_path: Path) -> None:
    import urllib.error
    import urllib.request

    from postedit.runner import Settings, cleanup
    from postedit.server import serve

    cleanup(Settings(SEEDS, RULES, tmp_path, "en", "ar"))
    server = serve(tmp_path, tmp_path / "d.jsonl", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def post(body: bytes, origin: str) -> int:
        request = urllib.request.Request(f"{base}/decide", data=body, headers={"Origin": origin})
        try:
            return urllib.request.urlopen(request).status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        good = f"article={S002}&rule=en.from-ar.truth-truce&before=truth&decision=reject"
        assert post(f"{good}&token={server.token}".encode(), "http://evil.example") == 403
        assert post(good.encode() + b"&token=wrong", base) == 403
        assert post(b"x" * 10000, base) == 413
        import http.client

        for length in ("-1", "many"):  # a length that would block the reader or crash it
            conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
            conn.putrequest("POST", "/decide")
            conn.putheader("Origin", base)
            conn.putheader("Content-Length", length)
            conn.endheaders()
            assert conn.getresponse().status == 400
            conn.close()
        unknown = f"article=nope&rule=x&before=y&decision=reject&token={server.token}"
        assert post(unknown.encode(), base) == 400
        for path in ("/../corpus.jsonl", "/articles/..%2f..%2fcorpus.jsonl", "/etc/passwd"):
            try:
                urllib.request.urlopen(base + path)
                raise AssertionError(path)
            except urllib.error.HTTPError as error:
                assert error.code == 404
        assert not (tmp_path / "d.jsonl").exists()
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.shutdown()


def test_turning_a_rule_off_for_a_source_from_the_page(tmp_path: Path) -> None:
    import urllib.parse
    import urllib.request

    from postedit.runner import Settings, cleanup
    from postedit.server import serve

    decisions = tmp_path / "d.jsonl"
    cleanup(Settings(SEEDS, RULES, tmp_path, "en", "ar", decisions=decisions))
    server = serve(tmp_path, decisions, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        form = {
            "article": S002,
            "rule": "en.from-ar.truth-truce",
            "before": "truth",
            "decision": "off",
            "scope": "source",
            "source": f"{S002}.txt",
            "token": server.token,
        }
        request = urllib.request.Request(
            f"{base}/decide",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Origin": base, "Referer": f"{base}/articles/{S002}.html"},
        )
        assert urllib.request.urlopen(request).status == 200  # followed the redirect to the page
    finally:
        server.shutdown()
    cleanup(Settings(SEEDS, RULES, tmp_path, "en", "ar", decisions=decisions))
    record = next(r for r in map(json.loads, (tmp_path / "corpus.jsonl").open()) if r["id"] == S002)
    assert not [e for e in record["edits"] if e["rule"] == "en.from-ar.truth-truce"]


def test_arabic_text_is_laid_out_right_to_left(browser, tmp_path: Path) -> None:
    from test_multilingual import ARABIC

    from postedit.runner import Settings, cleanup

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "ar.txt").write_text(ARABIC, encoding="utf-8")
    (inbox / "en.txt").write_text(
        "A report\n\nThe prime minister announced a truce between the armed factions.\n"
    )
    cleanup(Settings(inbox, RULES, tmp_path / "out", "en", "ar", decisions=None))
    page = browser.new_page()
    try:
        directions = {}
        for name in ("ar", "en"):
            page.goto((tmp_path / "out" / "review" / "articles" / f"{name}.html").as_uri())
            body = page.locator("p[lang]").last
            directions[name] = body.evaluate("p => getComputedStyle(p).direction")
        assert directions == {"ar": "rtl", "en": "ltr"}
    finally:
        page.close()


def test_from_a_page_to_its_story_and_to_the_article_it_shares_passages_with(
    browser, tmp_path: Path
) -> None:
    """A page names the articles its article is linked to; its link to the index by story
    lands on the story's heading, and a shared passage's link opens the other article."""
    from postedit.runner import Settings, cleanup

    cleanup(Settings(SEEDS, RULES, tmp_path, "en", "ar", decisions=None))
    pages = tmp_path / "review" / "articles"
    page = browser.new_page()
    try:
        page.goto((pages / "001_4fb25f17430b9f0d.html").as_uri())
        heading = page.locator("h2", has_text="Same story")
        assert heading.inner_text() == "Same story: linked to 003_9f568ec73e71a5e3 (related)"
        page.locator("a", has_text="the index by story").click()
        page.wait_for_load_state()
        assert page.url.endswith("index-story.html#story-001_4fb25f17430b9f0d")
        story = page.locator("#story-001_4fb25f17430b9f0d")
        assert story.inner_text() == "Story 001_4fb25f17430b9f0d: 2 articles"
        page.go_back()
        page.locator(".pair a", has_text="003_9f568ec73e71a5e3").first.click()
        page.wait_for_load_state()
        assert page.url.endswith("003_9f568ec73e71a5e3.html")
        heading = page.locator("h2", has_text="Same story")
        assert heading.inner_text() == "Same story: linked to 001_4fb25f17430b9f0d (canonical)"
    finally:
        page.close()


@pytest.mark.browser
def test_never_in_this_context_and_the_precision_page_in_the_browser(
    browser, tmp_path: Path
) -> None:
    """Accept one doubled word and rule another out for good, by clicking; the statistics page
    counts both and the rule has learnt an exception in rules/."""
    import yaml

    from postedit.grammar import GrammarSettings
    from postedit.runner import Settings, cleanup
    from postedit.server import serve

    rules, inbox, out = tmp_path / "rules", tmp_path / "in", tmp_path / "out"
    shutil.copytree(RULES, rules)
    inbox.mkdir()
    for i, subject in enumerate(["the port reopened after the floods", "teachers went on strike"]):
        (inbox / f"a{i}.txt").write_text(f"Report {i}\n\nOfficials said said that {subject}.\n")
    decisions = tmp_path / "decisions.jsonl"
    settings = Settings(
        inbox, rules, out, "en", decisions=decisions, grammar=GrammarSettings("off")
    )
    cleanup(settings)
    server = serve(out, decisions, port=0, rules_dir=rules)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    page = browser.new_page()
    try:
        for article, button in (("a0", "button[value=accept]"), ("a1", "button[name=never]")):
            page.goto(f"{base}/articles/{article}.html")
            row = page.locator("tr", has=page.locator("td.rule", has_text="en.doubled-word"))
            row.first.locator(button).click()
            page.wait_for_load_state()
        page.goto(f"{base}/index.html")
        page.locator("a", has_text="rule precision").click()
        page.wait_for_load_state()
        row = page.locator('tr[data-rule="en.doubled-word"]')
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        assert cells[:6] == ["en.doubled-word", "fix", "1", "1", "2", "0.500"]
        (entry,) = yaml.safe_load((rules / "en" / "exceptions.yaml").read_text())["exceptions"]
        assert entry["rule"] == "en.doubled-word" and entry["article"] == "a1"
        cleanup(settings)
        page.goto(f"{base}/articles/a1.html")
        assert page.locator("td.rule", has_text="en.doubled-word").count() == 0
    finally:
        page.close()
        server.shutdown()
