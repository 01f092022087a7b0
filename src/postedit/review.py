"""The review site: an index and one track-changes page per article, rendered from the edits.

Pages are plain HTML with inline CSS and no script: they work offline, print cleanly and are
navigable with the keyboard (every change is a focusable link target). Everything that comes from
an article or a rule is escaped, so an article that contains HTML shows it as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from .decisions import context_key
from .model import Article, Edit, Span
from .render import clean_title, safe_name

STYLE = """
body{font:16px/1.55 system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;
color:#1d1d1f}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
a{color:#0645ad}a:focus,td:focus{outline:3px solid #f5a623}
del{background:#fde2e1;color:#8a1c1c}ins{background:#dff5e1;color:#135c1f;text-decoration:none}
mark{background:#fff3bf;border-bottom:2px dotted #b7791f}
.current{outline:3px solid #2b6cb0;outline-offset:2px}
td.title{min-width:22rem}td.id{font-size:.8em;color:#555}
.accepted{box-shadow:inset 0 -3px #2f855a}.rejected{box-shadow:inset 0 -3px #c53030;opacity:.7}
.ws{font-size:.8em;background:#e8eefc;color:#1d3c8a;border-radius:3px;padding:0 .25em}
sup{font-size:.7em;color:#555}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f4f4f6}
.rule,.bulk-rule{font-family:ui-monospace,monospace;font-size:.85em}.meta{color:#555}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem;border-top:1px solid #ddd;padding:.5rem 0}
@media print{a{color:inherit;text-decoration:none}.noprint{display:none}}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src 'none'; form-action 'self'\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


TOKEN_PLACEHOLDER = "__POSTEDIT_TOKEN__"  # replaced by ``postedit review`` when it serves a page


def decision_forms(article: Article, edit: Edit, story: bool = False) -> str:
    """Accept and reject buttons (plain forms, no script) for ``postedit review``. A decision
    reaches the same change in the article's duplicates; with ``story`` (the article is one of
    several reports of a story) a box extends it to the whole story."""
    before, left, right = context_key(article.raw, edit.start, edit.end)
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value, quote=True)}">'
        for name, value in (
            ("article", article.id),
            ("rule", edit.rule),
            ("before", before),
            ("left", left),
            ("right", right),
            ("token", TOKEN_PLACEHOLDER),
        )
    )
    spread = (
        '<label title="the same change in every report of this story">'
        '<input type="checkbox" name="spread" value="story">whole story</label>'
        if story
        else ""
    )
    forms = [
        f'<form method="post" action="/decide" class="noprint" style="display:inline">{hidden}'
        f'<button name="decision" value="{d}">{d}</button>{spread}</form>'
        for d in ("accept", "reject")
    ]
    if edit.action == "flag":  # the editor writes the fix: a flag may have no suggestion
        forms.append(
            f'<form method="post" action="/decide" class="noprint typed" style="display:inline">'
            f'{hidden}<input type="hidden" name="decision" value="accept">'
            f'<input name="after" value="{escape(edit.after, quote=True)}" size="18" '
            f'maxlength="500" aria-label="replacement for {escape(edit.before, quote=True)}">'
            "<button>write this</button></form>"
        )
    if not edit.rule.startswith("grammar."):  # a pack rule can learn an exception
        forms.append(
            f'<form method="post" action="/decide" class="noprint" style="display:inline">'
            f'{hidden}<input type="hidden" name="decision" value="reject">'
            f'<button name="never" value="1" title="reject, and record this context as '
            f'an exception of {escape(edit.rule, quote=True)} in rules/">'
            "never in this context</button></form>"
        )
    source = f'<input type="hidden" name="source" value="{escape(article.source, quote=True)}">'
    forms += [
        f'<form method="post" action="/decide" class="noprint" style="display:inline">{hidden}'
        f'{source}<input type="hidden" name="decision" value="off">'
        f'<button name="scope" value="{scope}" title="no edits of {escape(edit.rule, quote=True)} '
        f'in this {scope}">off for {scope}</button></form>'
        for scope in ("article", "source")
    ]
    return "".join(forms)


def edit_key(index: int) -> str:
    return f"e{index}"


SPACE_NAMES = {
    " ": "space",
    "\u00a0": "no-break space",
    "\u202f": "narrow no-break space",
    "\u2009": "thin space",
    "\u3000": "ideographic space",
    "\t": "tab",
    "\n": "line break",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\ufeff": "byte-order mark",
    "\u00ad": "soft hyphen",
}


def space_name(text: str) -> str | None:
    """``text`` in words where it is only white space or invisible characters ("no-break
    space", "2 spaces", "nothing"); None where it has a visible character."""
    if not text:
        return "nothing"
    if any(c not in SPACE_NAMES for c in text):
        return None
    names = [SPACE_NAMES[c] for c in text]
    if len(set(names)) == 1 and len(names) > 1:
        return f"{len(names)} {names[0]}s"
    return " + ".join(names)


def whitespace_change(edit: Edit) -> str | None:
    """A readable mark for a change of white space or invisible characters only ("no-break
    space → space"), which a redline would show as an invisible blob; None for other changes."""
    before, after = space_name(edit.before), space_name(edit.after)
    if before is None or after is None or (before == after == "nothing"):
        return None
    return f"{before} → {after}"


def _mark(edit: Edit, index: int) -> str:
    label = escape(f"{edit.rule}: {edit.message} (confidence {edit.confidence:.2f})", quote=True)
    ref = f'<sup><a href="#{edit_key(index)}-note">{index + 1}</a></sup>'
    spaces = whitespace_change(edit) if edit.action == "fix" else None
    if spaces:
        mark = f"⟨{escape(spaces)}⟩"
        return f'<span class="ws" id="{edit_key(index)}" title="{label}">{mark}</span>{ref}'
    if edit.action == "flag":
        return f'<mark id="{edit_key(index)}" title="{label}">{escape(edit.before)}</mark>{ref}'
    parts = []
    if edit.before:
        parts.append(f"<del>{escape(edit.before)}</del>")
    if edit.after:
        parts.append(f"<ins>{escape(edit.after)}</ins>")
    return f'<span id="{edit_key(index)}" title="{label}">{"".join(parts) or "∅"}</span>{ref}'


def redline(raw: str, span: Span, edits: Sequence[tuple[int, Edit]]) -> str:
    """The raw text of ``span`` with its edits shown: deletions struck, insertions marked, flags
    highlighted. Edits that overlap one shown before them are listed below only."""
    out, pos = [], span.start
    for index, edit in sorted(edits, key=lambda x: (x[1].start, x[1].end)):
        if edit.start < pos or not (span.start <= edit.start and edit.end <= span.end):
            continue
        out.append(escape(raw[pos : edit.start]))
        out.append(_mark(edit, index))
        pos = edit.end
    out.append(escape(raw[pos : span.end]))
    return "".join(out)


def article_page(
    article: Article, record: dict[str, Any], story: dict[str, Any] | None, texts: dict[str, str]
) -> str:
    edits = list(enumerate(sorted(article.edits, key=lambda e: (e.start, e.end, e.rule))))
    several = bool(story) and len(story["members"]) > 1  # type: ignore[index]
    title = clean_title(article)
    cluster = record["cluster"]
    head = [
        '<p class="noprint"><a href="../index.html">← all articles</a></p>',
        f'<h1 dir="auto">{escape(title)}</h1>',
        f'<p class="meta">{escape(article.id)} · {escape(article.source)} · '
        f"{escape(str(article.date or 'no date'))} · {escape(str(article.language or '?'))}"
        f"{' ← ' + escape(article.source_language) if article.source_language else ''} · "
        f"cluster {escape(cluster['id'])} ({escape(cluster['role'])}"
        f"{' of ' + escape(cluster['of']) if cluster.get('of') else ''})</p>",
    ]
    segments = ([article.title_span] if article.title_span else []) + list(article.paragraphs)
    lang = f' lang="{escape(article.language)}"' if article.language else ""
    body = [f'<p dir="auto"{lang}>{redline(article.raw, s, edits)}</p>' for s in segments]
    rows = [
        f'<tr id="{edit_key(i)}-note"><td><a href="#{edit_key(i)}">{i + 1}</a></td>'
        f'<td>{escape(e.action)}</td><td class="rule">{escape(e.rule)}</td>'
        f'<td dir="auto">{_change_cell(e)}</td>'
        f"<td>{escape(e.message)}</td><td>{e.confidence:.2f}</td>"
        f"<td>{escape(e.decision or '')} {decision_forms(article, e, several)}</td></tr>"
        for i, e in edits
    ]
    table = (
        "<h2>Changes and flags</h2><table><thead><tr><th>#</th><th>action</th><th>rule</th>"
        "<th>change</th><th>why</th><th>confidence</th><th>decision</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    bulk = bulk_forms(article, several)
    return _page(title, "\n".join(head + body) + table + bulk + _story(article.id, story, texts))


def _change_cell(edit: Edit) -> str:
    spaces = whitespace_change(edit)
    if spaces:
        return f'<span class="ws">{escape(spaces)}</span>'
    if edit.action == "flag":
        suggestion = f" → <ins>{escape(edit.after)}</ins>" if edit.after else ""
        return f"<mark>{escape(edit.before)}</mark>{suggestion}"
    return f"<del>{escape(edit.before)}</del> → <ins>{escape(edit.after)}</ins>"


def bulk_forms(article: Article, story: bool) -> str:
    """For each rule with changes in the article: accept or reject every undecided change of
    it in this article, its story or the whole corpus (``postedit review`` asks how many before
    it does it)."""
    rules = sorted({e.rule for e in article.edits if not e.decision})
    if not rules:
        return ""
    scopes = ("article", "story", "corpus") if story else ("article", "corpus")
    rows = []
    for rule in rules:
        hidden = (
            f'<input type="hidden" name="rule" value="{escape(rule, quote=True)}">'
            f'<input type="hidden" name="article" value="{escape(article.id, quote=True)}">'
            f'<input type="hidden" name="token" value="{TOKEN_PLACEHOLDER}">'
        )
        options = "".join(f'<option value="{s}">{s}</option>' for s in scopes)
        count = sum(1 for e in article.edits if e.rule == rule and not e.decision)
        rows.append(
            f'<tr><td class="bulk-rule">{escape(rule)}</td><td>{count}</td><td>'
            f'<form method="post" action="/bulk" class="noprint bulk">{hidden}'
            f'<label>in the <select name="scope">{options}</select></label> '
            '<button name="decision" value="accept">accept all…</button> '
            '<button name="decision" value="reject">reject all…</button></form></td></tr>'
        )
    return (
        '<h2 class="noprint">Decide a rule at once</h2><table class="noprint"><thead><tr>'
        "<th>rule</th><th>undecided here</th><th>every undecided change of the rule</th></tr>"
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def bulk_page(rule: str, scope: str, decision: str, article: str, count: int, held: int) -> str:
    """What a bulk decision will do, and the button that does it."""
    where = {"article": "this article", "story": "this story", "corpus": "the whole corpus"}
    skipped = (
        f" {held} change(s) a guard held back (a fix found unsafe where it stands) are skipped: "
        "decide those one by one."
        if held
        else ""
    )
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{escape(v, quote=True)}">'
        for k, v in (
            ("rule", rule),
            ("scope", scope),
            ("decision", decision),
            ("article", article),
            ("token", TOKEN_PLACEHOLDER),
            ("confirm", "1"),
        )
    )
    verb = "Accept" if decision == "accept" else "Reject"
    body = (
        '<p class="noprint"><a href="/index.html">← all articles</a></p>'
        f"<h1>{verb} every undecided change of {escape(rule)}</h1>"
        f'<p id="bulk-count">{count} undecided change(s) of <span class="rule">{escape(rule)}'
        f"</span> in {where.get(scope, scope)} will be {decision}ed.{escape(skipped)}</p>"
        f'<form method="post" action="/bulk">{hidden}'
        f'<button id="bulk-confirm" {"disabled" if not count else ""}>'
        f"{verb} {count}</button></form>"
    )
    return _page(f"{verb} {rule}", body)


def _story(article_id: str, story: dict[str, Any] | None, texts: dict[str, str]) -> str:
    if not story:
        return ""
    pairs = []
    split: dict[str, list[str]] = {}  # each article's paragraphs, split once
    for p in story["passages"]:
        if article_id not in (p["a"], p["b"]):
            continue
        mine, other = ("a", "b") if p["a"] == article_id else ("b", "a")

        def quote(side: str, p: dict[str, Any] = p) -> str:
            if p[side] not in split:
                split[p[side]] = texts.get(p[side], "").split("\n\n")
            paragraphs = split[p[side]]
            para = (
                paragraphs[p[f"{side}_paragraph"]]
                if p[f"{side}_paragraph"] < len(paragraphs)
                else ""
            )
            start, end = p[f"{side}_span"]
            return escape(para[start:end])

        link = f'<a href="{escape(safe_name(p[other]))}.html">{escape(p[other])}</a>'
        pairs.append(
            f'<div class="pair"><div dir="auto">{quote(mine)}</div>'
            f'<div dir="auto">{quote(other)}<br>'
            f'<span class="meta">{link} · score {p["score"]}</span></div></div>'
        )
    others = [m for m in story["members"] if m["id"] != article_id]
    members = ", ".join(f"{escape(m['id'])} ({escape(m['role'])})" for m in others[:MEMBERS_SHOWN])
    if len(others) > MEMBERS_SHOWN:  # a page per member: listing all would grow as n squared
        members += f" and {len(others) - MEMBERS_SHOWN} more (see clusters.json)"
    return f"<h2>Same story: {members}</h2>" + "".join(pairs)


MEMBERS_SHOWN = 50  # other members of its story an article's page names


def _demoted(demoted: Sequence[dict[str, Any]]) -> str:
    if not demoted:
        return ""
    items = "".join(
        f"<li><code>{escape(d['rule'])}</code>: {escape(d['from'])} → {escape(d['to'])}, "
        f"precision {d['precision']:.2f} on {d['support']} decisions (below "
        f"{d['threshold']:.2f})</li>"
        for d in demoted
    )
    return (
        f'<div class="demoted"><strong>Demoted by editors\' decisions</strong> (undo on the '
        f'<a href="stats.html">rule precision</a> page):<ul>{items}</ul></div>'
    )


def stats_page(stats: dict[str, Any]) -> str:
    """Each rule's precision from editors' decisions, with its interval, support and rate, and
    a restore (or auto) button for a demoted rule."""
    rows = []
    for r in stats["rules"]:
        precision = "–" if r["precision"] is None else f"{r['precision']:.3f}"
        low, high = r["interval"]
        state = (
            f"demoted to {r['demoted']}" if r["demoted"] else ("restored" if r["restored"] else "")
        )
        button = ""
        if r["demoted"] or r["restored"]:
            value, label = (
                ("auto", "back to automatic") if r["restored"] else ("restore", "restore")
            )
            button = (
                '<form method="post" action="/rule" style="display:inline">'
                f'<input type="hidden" name="rule" value="{escape(r["rule"], quote=True)}">'
                f'<input type="hidden" name="token" value="{TOKEN_PLACEHOLDER}">'
                f'<button name="decision" value="{value}">{label}</button></form>'
            )
        rows.append(
            f'<tr data-rule="{escape(r["rule"], quote=True)}"><td class="rule">'
            f"{escape(r['rule'])}</td><td>{escape(r['action'])}</td>"
            f"<td>{r['accepted']}</td><td>{r['rejected']}</td><td>{r['support']}</td>"
            f'<td class="precision">{precision}</td><td>{low:.2f}–{high:.2f}</td>'
            f"<td>{r['edits']}</td><td>{r['per_10k_words']:.2f}</td>"
            f'<td class="state">{escape(state)} {button}</td></tr>'
        )
    policy = stats.get("policy") or {}
    current = stats.get("reviewer")
    choices = "".join(
        f'<option value="{escape(r, quote=True)}"{" selected" if r == current else ""}>'
        f"{escape(r)}</option>"
        for r in stats.get("reviewers") or ()
    )
    who = (
        '<form method="get" action="/stats.html" class="noprint"><label>decisions of '
        f'<select name="reviewer"><option value="">every reviewer</option>{choices}</select>'
        "</label> <button>show</button></form>"
        if stats.get("reviewers")
        else ""
    )
    of = f" (decisions of {escape(current)})" if current else ""
    body = (
        '<p class="noprint"><a href="/index.html">← all articles</a></p>'
        f"<h1>Rule precision{of}</h1>{who}"
        '<p class="meta">From editors\' accept and reject decisions (copies made for duplicates '
        "count once); 95% Wilson intervals. A rule is demoted below "
        f"{policy.get('fix', 0.99)} (fix → flag) or {policy.get('flag', 0.90)} (→ off) once it "
        f"has {policy.get('min_support', 5)} decisions; the next run applies it.</p>"
        "<table><thead><tr><th>rule</th><th>action</th><th>accepted</th><th>rejected</th>"
        "<th>support</th><th>precision</th><th>interval</th><th>edits</th>"
        "<th>per 10,000 words</th><th>state</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    return _page("postedit rule precision", body)


def boilerplate_page(entries: Sequence[dict[str, Any]], total: int) -> str:
    """The passages de-duplication learned to ignore (site footers, stock background, a wire's
    recap), each with the number of articles it is in and its text where first seen."""
    rows = "".join(
        f'<tr><td>{e["articles"]}</td><td dir="auto">{escape(e.get("text") or e["words"])}</td>'
        f'<td><a href="articles/{escape(safe_name(e["example"]["id"]))}.html">'
        f"{escape(e['example']['id'])}</a></td></tr>"
        for e in entries
    )
    shown = f" (the {len(entries)} most widespread shown)" if total > len(entries) else ""
    body = (
        '<p class="noprint"><a href="index.html">← all articles</a></p>'
        "<h1>Boilerplate ignored by de-duplication</h1>"
        f'<p class="meta">{total} passages{shown} recur word for word in three or more articles '
        "that share little else: a site's footer, a stock background paragraph, a wire's recap "
        "sentence. They are not evidence that two articles are one report or one story, and "
        "are left out when articles are compared (the text keeps them).</p>"
        "<table><thead><tr><th>articles</th><th>passage</th><th>first seen in</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return _page("postedit boilerplate", body)


def _counts(record: dict[str, Any]) -> dict[str, int]:
    if "counts" in record:
        return record["counts"]
    counts = {"fix": 0, "flag": 0, "reviewed": 0}
    for e in record["edits"]:
        counts[e["action"]] += 1
        counts["reviewed"] += bool(e.get("decision"))
    return counts


def _pending(record: dict[str, Any]) -> int:
    counts = _counts(record)
    return counts["fix"] + counts["flag"] - counts.get("reviewed", 0)


def index_row(record: dict[str, Any]) -> dict[str, Any]:
    """What the index pages show of a corpus record (its text and edits left out)."""
    row = {k: record.get(k) for k in ("id", "title", "source", "language", "date", "cluster")}
    row["counts"] = _counts(record)
    # what the index can filter by: the rules, actions and decisions of its edits
    row["tags"] = sorted(
        {e["rule"] for e in record["edits"]}
        | {f"action:{e['action']}" for e in record["edits"]}
        | {f"decision:{e.get('decision') or 'undecided'}" for e in record["edits"]}
    )
    return row


# The index, sorted each way an editor asks for (plain pages, no script): file name -> sort key.
ORDERS: dict[str, tuple[str, Any]] = {
    "index.html": ("id", lambda r: r["id"]),
    "index-pending.html": ("undecided first", lambda r: (-_pending(r), r["id"])),
    "index-fixes.html": ("most fixes", lambda r: (-_counts(r)["fix"], r["id"])),
    "index-flags.html": ("most flags", lambda r: (-_counts(r)["flag"], r["id"])),
    "index-date.html": ("date", lambda r: (r["date"] or "9999", r["id"])),
    "index-story.html": ("story", lambda r: (r["cluster"]["id"], r["cluster"]["role"], r["id"])),
}


def outlet(source: str) -> str:
    """Where an article came from, as an editor names it: its file's folder, or the file's name
    after a number prefix (``003_shafaq.txt`` → ``shafaq``)."""
    path = source.split(":")[0]
    parts = path.split("/")
    if len(parts) > 1:
        return parts[-2]
    stem = parts[-1].rsplit(".", 1)[0]
    head, _, rest = stem.partition("_")
    hashed = len(rest) >= 8 and all(c in "0123456789abcdef" for c in rest.lower())
    return rest if head.isdigit() and rest and not hashed else ""


def index_pages(
    records: Sequence[dict[str, Any]], demoted: Sequence[dict[str, Any]] = ()
) -> dict[str, str]:
    """``index.html`` and its other orders (by fixes, flags, date, story)."""
    return {
        name: index_page(sorted(records, key=key), name, demoted)
        for name, (_, key) in ORDERS.items()
    }


def index_page(
    records: Sequence[dict[str, Any]],
    current: str = "index.html",
    demoted: Sequence[dict[str, Any]] = (),
) -> str:
    rows = []
    sizes: dict[str, int] = {}
    for r in records:
        sizes[r["cluster"]["id"]] = sizes.get(r["cluster"]["id"], 0) + 1
    story = None
    decided_all = edits_all = 0
    for r in records:
        counts = _counts(r)
        c = r["cluster"]
        if current == "index-story.html" and c["id"] != story:  # grouped: a heading per story
            story = c["id"]
            rows.append(
                f'<tr class="story"><th colspan="10">Story {escape(story)}: '
                f"{sizes[story]} article{'s' if sizes[story] > 1 else ''}</th></tr>"
            )
        status = c["role"] + (f" of {c['of']}" if c.get("of") else "")
        total = counts["fix"] + counts["flag"]
        reviewed = counts.get("reviewed", 0)
        decided_all += reviewed
        edits_all += total
        link = f"articles/{escape(safe_name(r['id']))}.html"
        tags = " ".join(r.get("tags") or ())
        rows.append(
            f'<tr data-tags="{escape(tags, quote=True)}" data-story="{escape(c["id"], quote=True)}"'
            f' data-language="{escape(str(r["language"]), quote=True)}">'
            f'<td class="title" dir="auto"><a href="{link}">'
            f"{escape(r['title'] or r['id'])}</a></td>"
            f"<td>{escape(outlet(r.get('source') or ''))}</td>"
            f'<td class="id">{escape(r["id"])}</td><td>{escape(str(r["language"]))}</td>'
            f"<td>{escape(str(r['date'] or ''))}</td>"
            f"<td>{counts['fix']}</td><td>{counts['flag']}</td>"
            f'<td class="reviewed">{reviewed} of {total}</td>'
            f"<td>{escape(c['id'])}</td><td>{escape(status)}</td></tr>"
        )
    orders = " · ".join(
        f"<strong>{label}</strong>" if name == current else f'<a href="{name}">{label}</a>'
        for name, (label, _) in ORDERS.items()
    )
    body = (
        "<h1>postedit review</h1>"
        f'<p class="meta">{len(records)} articles; {decided_all} of {edits_all} changes and '
        "flags reviewed (as of the last run). Each page shows every change (struck and "
        "inserted text) and every flag (highlighted), with its rule, message and confidence.</p>"
        f'<p class="noprint">Sort by: {orders} · <a href="stats.html">rule precision</a> · '
        '<a href="boilerplate.html">boilerplate ignored by de-duplication</a></p>'
        + _demoted(demoted)
        + "<table><thead><tr><th>title</th><th>outlet</th><th>id</th><th>language</th>"
        "<th>date</th><th>fixes</th><th>flags</th><th>reviewed</th><th>story</th>"
        "<th>status</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    return _page("postedit review", body)
