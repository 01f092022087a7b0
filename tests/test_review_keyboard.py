"""Reviewing by keyboard in a real browser (Debian's chromium, Playwright): one key is one
decision, each shows at once, the next undecided change is selected, and a run then honours
them; with JavaScript off, the page's forms do the same."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, RULES, SEEDS
from test_review_browser import ARGS, CHROMIUM, S002

from postedit.runner import Settings, cleanup

pytestmark = [pytest.mark.browser]
DECISIONS = 20
REJECTED = {3, 11}  # the others are accepted


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("browser tests skipped: Debian's chromium is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def served(seeds_corpus: Path, tmp_path: Path):
    from postedit.server import serve

    out = tmp_path / "out"
    shutil.copytree(seeds_corpus, out)
    decisions = out / "review" / "decisions.jsonl"
    server = serve(out, decisions, port=0, rules_dir=RULES, reviewer="kbd")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, decisions, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def lines_of(path: Path, at_least: int, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            lines = [json.loads(x) for x in path.read_text().splitlines()]
            if len(lines) >= at_least:
                return lines
        time.sleep(0.05)
    raise AssertionError(f"{at_least} decisions expected in {path}")


def test_twenty_decisions_by_keyboard_then_a_run_honours_them(browser, served) -> None:
    out, decisions, base = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/articles/{S002}.html")
    page.wait_for_selector("#keys")
    marks = page.locator(".current")
    assert marks.count() == 1  # the first undecided change is selected, no key pressed
    presses = 0
    for i in range(DECISIONS):
        selected = page.locator(".current").get_attribute("id")
        page.keyboard.press("r" if i in REJECTED else "a")
        presses += 1
        # shown at once: the change carries the decision, the server's answer marks it
        shown = page.locator(f"#{selected}")
        assert shown.get_attribute("data-decided") in ("accept", "reject")
        want = "rejected" if i in REJECTED else "accepted"
        page.wait_for_selector(f"#{selected}.{want}", timeout=5000)
        assert page.locator(f"#{selected}-note .decided").inner_text().startswith(want)
        if i in REJECTED:  # re-rendered by the server as the text the reject leaves
            assert page.locator(f"#{selected} ins").count() == 0
        assert page.locator(".current").get_attribute("id") != selected  # moved on
    assert presses <= 25 and not errors
    if os.environ.get("POSTEDIT_SCREENSHOT"):
        page.screenshot(path=str(ROOT / "docs" / "review-keyboard.png"))
        page.goto(f"{base}/index.html")
        page.screenshot(path=str(ROOT / "docs" / "review-index.png"), full_page=False)
    page.close()
    lines = lines_of(decisions, DECISIONS)
    assert len(lines) == DECISIONS and {d["reviewer"] for d in lines} == {"kbd"}
    assert sum(d["decision"] == "reject" for d in lines) == len(REJECTED)
    # the next run honours every decision
    cleanup(Settings(SEEDS, RULES, out, "en", "ar"))
    record = next(
        r
        for r in map(json.loads, (out / "corpus.jsonl").read_text().splitlines())
        if r["id"] == S002
    )
    decided = [e for e in record["edits"] if e.get("decision")]
    assert len(decided) == DECISIONS
    assert sum(e["decision"] == "rejected" for e in decided) == len(REJECTED)
    assert all(e["action"] == "fix" for e in decided if e["decision"] == "accepted" and e["after"])


def test_without_javascript_the_forms_decide(browser, served) -> None:
    _, decisions, base = served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/articles/{S002}.html")
    assert page.locator("#keys").count() == 0  # no script ran
    spaces = page.locator("p .ws")  # white-space changes fold away, with no script either
    assert spaces.count() > 0 and spaces.first.is_visible()
    page.check("#hide-ws")
    assert spaces.first.is_hidden() and page.locator("tr.ws-row").first.is_hidden()
    page.uncheck("#hide-ws")
    row = page.locator("tr", has=page.locator("td.rule", has_text="en.from-ar.truth-truce")).first
    row.locator("button", has_text="reject").first.click()
    page.wait_for_load_state()
    number = row.get_attribute("id").removesuffix("-note")
    assert page.url.endswith(f"#{number}")  # back at the change it decided, not at the top
    (line,) = lines_of(decisions, 1)
    assert (line["rule"], line["decision"], line["reviewer"]) == (
        "en.from-ar.truth-truce",
        "reject",
        "kbd",
    )
    context.close()


def test_the_index_filters_by_rule_and_searches_titles(browser, served) -> None:
    _, _, base = served
    page = browser.new_page()
    page.goto(f"{base}/index.html")
    page.wait_for_selector("#filters")
    rows = page.locator("tr[data-tags]")
    assert rows.count() == 5 and page.locator("#shown").inner_text().strip() == "5 of 5 articles"
    page.select_option("select[name=rule]", "en.from-ar.truth-truce")
    visible = [r for r in rows.all() if r.is_visible()]
    assert len(visible) == 1 and "truce" in visible[0].inner_text()
    page.select_option("select[name=rule]", "")
    page.fill("input[name=q]", "spokesman")
    visible = [r for r in rows.all() if r.is_visible()]
    assert len(visible) == 1 and "spokesman" in visible[0].inner_text().lower()
    page.close()
    pending = browser.new_page()
    pending.goto(f"{base}/index-pending.html")
    first = pending.locator("tr[data-tags] td.reviewed").first.inner_text()
    assert first == "0 of 28"  # the article with the most undecided changes first
    pending.close()


def test_a_bulk_reject_in_the_browser_then_a_run_leaves_no_fix_of_the_rule(browser, served) -> None:
    out, decisions, base = served
    rule = "en.entity-higher-military-commission"
    page = browser.new_page()
    page.goto(f"{base}/articles/{S002}.html")
    bulk = page.locator("form.bulk", has=page.locator(f"input[name=rule][value='{rule}']"))
    bulk.locator("select[name=scope]").select_option("corpus")
    bulk.locator("button", has_text="reject all").click()
    count = int(page.locator("#bulk-count").inner_text().split()[0])
    assert count >= 4  # every seed but one has a fix of it
    page.locator("#bulk-confirm").click()
    page.wait_for_selector("#done")
    assert f"Rejected {count} change(s) of {rule}" in page.locator("#done").inner_text()
    page.close()
    assert len(lines_of(decisions, count)) == count
    cleanup(Settings(SEEDS, RULES, out, "en", "ar"))
    records = [json.loads(x) for x in (out / "corpus.jsonl").read_text().splitlines()]
    assert not [
        e for r in records for e in r["edits"] if e["rule"] == rule and e["action"] == "fix"
    ]
