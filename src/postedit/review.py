"""The review site: an index and one track-changes page per article, rendered from the edits.

Pages are rendered from Jinja2 templates (``postedit/templates/``, one set for the static site
and the server) with autoescaping on: everything that comes from an article or a rule is
escaped, so an article that contains HTML shows it as text. The static pages run no script, work
offline and print cleanly; ``postedit review`` serves them with a small script for the keyboard
(``postedit/static/review.js``) under a policy that lets only it run.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup, escape

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
#hide-ws:checked~p .ws,#hide-ws:checked~p .ws+sup,#hide-ws:checked~table tr.ws-row{display:none}
td.title{min-width:22rem}td.id{font-size:.8em;color:#555}
.accepted{box-shadow:inset 0 -3px #2f855a}.rejected{box-shadow:inset 0 -3px #c53030;opacity:.7}
.ws{font-size:.8em;background:#e8eefc;color:#1d3c8a;border-radius:3px;padding:0 .25em}
sup{font-size:.7em;color:#555}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f4f4f6}
.rule,.bulk-rule{font-family:ui-monospace,monospace;font-size:.85em}.meta{color:#555}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem;border-top:1px solid #ddd;padding:.5rem 0}
.pair.same{grid-template-columns:1fr}
@media print{a{color:inherit;text-decoration:none}.noprint{display:none}}
"""


TOKEN_PLACEHOLDER = "__POSTEDIT_TOKEN__"  # replaced by ``postedit review`` when it serves a page
MEMBERS_SHOWN = 50  # articles an article's page names as linked to it (its passages: all)


@functools.lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The review site's templates, autoescaped; read once a process (not looked at on disk
    again for each page rendered)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("postedit", "templates"),
        autoescape=True,
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _render(name: str, title: str, **data: Any) -> str:
    return templates().get_template(name).render(title=title, style=Markup(STYLE), **data)


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


def _label(edit: Edit) -> str:
    return f"{edit.rule}: {edit.message} (confidence {edit.confidence:.2f})"


def _mark(edit: Edit, index: int, state: str | None = None, sup: bool = True) -> dict[str, Any]:
    """What the redline shows of one change (the ``mark`` macro); ``state`` ("accepted",
    "rejected") shows it as an editor's decision leaves it."""
    return {
        "key": edit_key(index),
        "number": index + 1,
        "label": _label(edit),
        "spaces": whitespace_change(edit) if edit.action == "fix" else None,
        "flag": edit.action == "flag",
        "before": edit.before,
        "after": edit.after,
        "state": state,
        "sup": sup,
    }


def decided_mark(edit: Edit, index: int, decision: str, typed: str | None = None) -> str:
    """The change as it reads once decided, for the page to show at once: a rejected change as
    the text it leaves, an accepted flag as the fix it becomes (with what the editor typed)."""
    if decision == "accept" and edit.action == "flag" and (typed is not None or edit.after):
        edit = replace(edit, action="fix", after=edit.after if typed is None else typed)
    state = "accepted" if decision == "accept" else "rejected"
    macro = templates().get_template("macros.html").module.mark  # type: ignore[attr-defined]
    return str(macro(_mark(edit, index, state, sup=False)))


def redline(raw: str, span: Span, edits: Sequence[tuple[int, Edit]]) -> list[dict[str, Any]]:
    """The raw text of ``span`` as pieces: plain text, and each edit's mark (deletions struck,
    insertions marked, flags highlighted). Edits that overlap one shown before them are listed
    below only."""
    out: list[dict[str, Any]] = []
    pos = span.start
    for index, edit in sorted(edits, key=lambda x: (x[1].start, x[1].end)):
        if edit.start < pos or not (span.start <= edit.start and edit.end <= span.end):
            continue
        out.append({"text": raw[pos : edit.start], "mark": None})
        out.append({"text": "", "mark": _mark(edit, index)})
        pos = edit.end
    out.append({"text": raw[pos : span.end], "mark": None})
    return out


def decision_forms(
    article: Article, edit: Edit, story: bool = False, index: int | None = None
) -> dict[str, Any]:
    """Accept and reject buttons (plain forms) for ``postedit review``, a box to write the fix of
    a flag, "never in this context" for a pack rule, and the rule off for the article or its
    source. A decision reaches the same change in the article's duplicates; with ``story`` (the
    article is one of several reports of a story) a box extends it to the whole story."""
    before, left, right = context_key(article.raw, edit.start, edit.end)
    return {
        "fields": [
            ("article", article.id),
            ("rule", edit.rule),
            ("before", before),
            ("left", left),
            ("right", right),
            ("token", TOKEN_PLACEHOLDER),
            *([("index", str(index))] if index is not None else []),
        ],
        "story": story,
        "flag": edit.action == "flag",
        "after": edit.after,
        "before": edit.before,
        "never": not edit.rule.startswith("grammar."),  # a pack rule can learn an exception
        "rule": edit.rule,
        "source": article.source,
    }


def _change_cell(edit: Edit) -> dict[str, Any]:
    return {
        "spaces": whitespace_change(edit),
        "flag": edit.action == "flag",
        "before": edit.before,
        "after": edit.after,
    }


def article_page(
    article: Article,
    record: dict[str, Any],
    story: dict[str, Any] | None,
    texts: dict[str, str],
    shown: dict[str, Any] | None = None,
) -> str:
    """An article's review page. ``shown``: what it shows of ``story`` (`page_story`), if
    already made (`page_stories` makes every member's at once)."""
    edits = list(enumerate(sorted(article.edits, key=lambda e: (e.start, e.end, e.rule))))
    several = bool(story) and len(story["members"]) > 1  # type: ignore[index]
    cluster = record["cluster"]
    meta = (
        f"{article.id} · {article.source} · {article.date or 'no date'} · "
        f"{article.language or '?'}"
        f"{' ← ' + article.source_language if article.source_language else ''} · "
        f"cluster {cluster['id']} ({cluster['role']}"
        f"{' of ' + cluster['of'] if cluster.get('of') else ''})"
    )
    segments = ([article.title_span] if article.title_span else []) + list(article.paragraphs)
    rows = [
        {
            "key": edit_key(i),
            "number": i + 1,
            "action": e.action,
            "rule": e.rule,
            "cell": _change_cell(e),
            "message": e.message,
            "confidence": f"{e.confidence:.2f}",
            "decision": e.decision or "",
            "forms": decision_forms(article, e, several, i),
        }
        for i, e in edits
    ]
    return _render(
        "article.html",
        clean_title(article),
        meta=meta,
        language=article.language,
        segments=[redline(article.raw, s, edits) for s in segments],
        rows=rows,
        bulk=bulk_forms(article, several),
        spaces=sum(1 for r in rows if r["cell"]["spaces"]),
        story=_story(article.id, story, texts, str(cluster["id"]), shown),
    )


def bulk_forms(article: Article, story: bool) -> list[dict[str, Any]]:
    """For each rule with changes in the article: accept or reject every undecided change of
    it in this article, its story or the whole corpus (``postedit review`` asks how many before
    it does it)."""
    rules = sorted({e.rule for e in article.edits if not e.decision})
    scopes = ("article", "story", "corpus") if story else ("article", "corpus")
    return [
        {
            "rule": rule,
            "count": sum(1 for e in article.edits if e.rule == rule and not e.decision),
            "fields": [("rule", rule), ("article", article.id), ("token", TOKEN_PLACEHOLDER)],
            "scopes": scopes,
        }
        for rule in rules
    ]


def bulk_page(rule: str, scope: str, decision: str, article: str, count: int, held: int) -> str:
    """What a bulk decision will do, and the button that does it."""
    where = {"article": "this article", "story": "this story", "corpus": "the whole corpus"}
    skipped = (
        f" {held} change(s) a guard held back (a fix found unsafe where it stands) are skipped: "
        "decide those one by one."
        if held
        else ""
    )
    verb = "Accept" if decision == "accept" else "Reject"
    return _render(
        "bulk.html",
        f"{verb} {rule}",
        verb=verb,
        rule=rule,
        count=count,
        where=where.get(scope, scope),
        decision=decision,
        skipped=skipped,
        fields=[
            ("rule", rule),
            ("scope", scope),
            ("decision", decision),
            ("article", article),
            ("token", TOKEN_PLACEHOLDER),
            ("confirm", "1"),
        ],
    )


def story_anchor(story_id: str) -> str:
    """The id of a story's heading in the index by story (``index-story.html#...``)."""
    return f"story-{safe_name(story_id)}"


def _story(
    article_id: str,
    story: dict[str, Any] | None,
    texts: dict[str, str],
    story_id: str,
    shown: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The story section of an article's page: the articles it is linked to (a link that
    placed one of them, or it, in the story) and the passages it shares with them. Only what
    concerns this article (`page_story`): a new member changes the pages it is linked to, not
    every member's; the whole story is in the index by story and in ``clusters.json``."""
    if not story:
        return None
    mine = shown or page_story(article_id, story)
    pairs = []
    split: dict[str, list[str]] = {}  # each article's paragraphs, split once
    for p in mine["passages"]:
        here, other = ("a", "b") if p["a"] == article_id else ("b", "a")

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
            return para[start:end]

        mine_text, other_text = quote(here), quote(other)
        pairs.append(
            {
                "mine": mine_text,
                "other": other_text,
                "same": mine_text == other_text,  # shown once: word for word in both
                "link": f"{safe_name(p[other])}.html",
                "other_id": p[other],
                "score": p["score"],
            }
        )
    linked = mine["linked"]
    names = ", ".join(f"{i} ({role})" for i, role in linked[:MEMBERS_SHOWN])
    if len(linked) > MEMBERS_SHOWN:  # a canonical linked to hundreds of reposts
        names += f" and {len(linked) - MEMBERS_SHOWN} more"
    return {"linked": names, "pairs": pairs, "anchor": story_anchor(story_id)}


def page_story(article_id: str, story: dict[str, Any]) -> dict[str, Any]:
    """What an article's page shows of its story: the links it is in, their passages, and the
    articles at their other end with their roles (sorted). Its render key reads this, not the
    whole story (`postedit.write.render_keys`, through `page_stories`)."""
    links = [x for x in story["links"] if article_id in (x["a"], x["b"])]
    passages = [p for p in story["passages"] if article_id in (p["a"], p["b"])]
    return _shown(article_id, links, passages, _roles(story))


def page_stories(story: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`page_story` of every member, the story's links and passages read once (not once a
    member: a story of n articles costs n, not n squared)."""
    links: dict[str, list[Any]] = defaultdict(list)
    passages: dict[str, list[Any]] = defaultdict(list)
    for held, entries in ((links, story["links"]), (passages, story["passages"])):
        for x in entries:
            held[x["a"]].append(x)
            if x["b"] != x["a"]:
                held[x["b"]].append(x)
    roles = _roles(story)
    return {m: _shown(m, links[m], passages[m], roles) for m in roles}


def _roles(story: dict[str, Any]) -> dict[str, str]:
    return {m["id"]: m["role"] for m in story["members"]}


def _shown(
    article_id: str, links: list[Any], passages: list[Any], roles: dict[str, str]
) -> dict[str, Any]:
    others = sorted({x["b"] if x["a"] == article_id else x["a"] for x in links})
    return {
        "links": links,
        "passages": passages,
        "linked": [(i, roles.get(i, "")) for i in others],
    }


def stats_page(stats: dict[str, Any]) -> str:
    """Each rule's precision from editors' decisions, with its interval, support and rate, and
    a restore (or auto) button for a demoted rule; filtered by reviewer where one is given."""
    rows = []
    for r in stats["rules"]:
        low, high = r["interval"]
        state = (
            f"demoted to {r['demoted']}" if r["demoted"] else ("restored" if r["restored"] else "")
        )
        button = None
        if r["demoted"] or r["restored"]:
            button = (
                {"value": "auto", "label": "back to automatic"}
                if r["restored"]
                else {"value": "restore", "label": "restore"}
            )
        rows.append(
            {
                "rule": r["rule"],
                "action": r["action"],
                "accepted": r["accepted"],
                "rejected": r["rejected"],
                "support": r["support"],
                "precision": "–" if r["precision"] is None else f"{r['precision']:.3f}",
                "interval": f"{low:.2f}–{high:.2f}",
                "edits": r["edits"],
                "rate": f"{r['per_10k_words']:.2f}",
                "state": state,
                "button": button,
            }
        )
    policy = {"fix": 0.99, "flag": 0.90, "min_support": 5, **(stats.get("policy") or {})}
    return _render(
        "stats.html",
        "postedit rule precision",
        rows=rows,
        policy=policy,
        reviewer=stats.get("reviewer"),
        reviewers=stats.get("reviewers") or [],
        token=TOKEN_PLACEHOLDER,
    )


def boilerplate_page(entries: Sequence[dict[str, Any]], total: int) -> str:
    """The passages de-duplication learned to ignore (site footers, stock background, a wire's
    recap), each with the number of articles it is in and its text where first seen."""
    shown = f" (the {len(entries)} most widespread shown)" if total > len(entries) else ""
    return _render(
        "boilerplate.html",
        "postedit boilerplate",
        total=total,
        shown=shown,
        entries=[
            {
                "articles": e["articles"],
                "text": e.get("text") or e["words"],
                "link": f"articles/{safe_name(e['example']['id'])}.html",
                "example": e["example"]["id"],
            }
            for e in entries
        ],
    )


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
) -> Iterator[tuple[str, Iterator[str]]]:
    """``index.html`` and its other orders (undecided first, by fixes, flags, date, story), as
    (file name, the page's text in pieces: `index_page_parts`), one page at a time. Each
    article's row is rendered once and placed on every page (a page per order of the same
    rows)."""
    rows, totals = index_rows(records), index_totals(records)
    for name, (_, key) in ORDERS.items():
        yield name, index_page_parts(records, name, demoted, rows, key, totals)


class Totals(NamedTuple):
    """What every order of the index counts alike: the articles of each story, the edits
    decided, the edits."""

    sizes: dict[str, int]
    decided: int
    edits: int


def index_totals(records: Sequence[dict[str, Any]]) -> Totals:
    sizes: dict[str, int] = {}
    decided = edits = 0
    for r in records:
        sizes[r["cluster"]["id"]] = sizes.get(r["cluster"]["id"], 0) + 1
        counts = _counts(r)
        decided += counts.get("reviewed", 0)
        edits += counts["fix"] + counts["flag"]
    return Totals(sizes, decided, edits)


INDEX_ROW = (
    '<tr data-tags="{tags}" data-story="{story}" data-language="{language}"><td class="title" '
    'dir="auto"><a href="{link}">{title}</a></td><td>{outlet}</td><td class="id">{id}</td>'
    "<td>{language}</td><td>{date}</td><td>{fixes}</td><td>{flags}</td>"
    '<td class="reviewed">{reviewed} of {total}</td><td>{story}</td><td>{status}</td></tr>'
)


def _escaped(value: object) -> str:
    """`markupsafe.escape`'s text of ``value``, a string escaped without making a `Markup` of
    it (the index escapes ten values an article)."""
    if type(value) is not str:
        return str(escape(value))
    return (
        value.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def index_rows(records: Sequence[dict[str, Any]]) -> dict[str, Markup]:
    """Each record's row of the index (article id -> HTML): the same row on every order of the
    index, so made once, by a format string (every value escaped) rather than a template."""
    out = {}
    for r in records:
        counts = _counts(r)
        c = r["cluster"]
        out[r["id"]] = Markup(
            INDEX_ROW.format(
                tags=_escaped(" ".join(r.get("tags") or ())),
                story=_escaped(c["id"]),
                language=_escaped(str(r["language"])),
                link=_escaped(f"articles/{safe_name(r['id'])}.html"),
                title=_escaped(r["title"] or r["id"]),
                outlet=_escaped(outlet(r.get("source") or "")),
                id=_escaped(r["id"]),
                date=_escaped(str(r["date"] or "")),
                fixes=int(counts["fix"]),
                flags=int(counts["flag"]),
                reviewed=int(counts.get("reviewed", 0)),
                total=int(counts["fix"] + counts["flag"]),
                status=_escaped(c["role"] + (f" of {c['of']}" if c.get("of") else "")),
            )
        )
    return out


def index_page(
    records: Sequence[dict[str, Any]],
    current: str = "index.html",
    demoted: Sequence[dict[str, Any]] = (),
    rows: Mapping[str, Markup] | None = None,
    key: Any = None,
) -> str:
    """`index_page_parts` as one text."""
    return "".join(index_page_parts(records, current, demoted, rows, key))


ROWS_HERE = "\x00rows\x00"  # where the rows go in the rendered page (no page text has a NUL)


def index_page_parts(
    records: Sequence[dict[str, Any]],
    current: str = "index.html",
    demoted: Sequence[dict[str, Any]] = (),
    rows: Mapping[str, Markup] | None = None,
    key: Any = None,
    totals: Totals | None = None,
) -> Iterator[str]:
    """One order of the index: ``records`` sorted by ``key`` (as given if None), with ``rows``
    (`index_rows`) and ``totals`` (`index_totals`), each made here if None; the page in pieces
    (the rows one by one), so that a corpus's index is never held as one text."""
    rows = index_rows(records) if rows is None else rows
    sizes, decided, edits = index_totals(records) if totals is None else totals
    ordered = sorted(records, key=key) if key is not None else list(records)
    body = []
    story = None
    for r in ordered:
        c = r["cluster"]
        if current == "index-story.html" and c["id"] != story:  # grouped: a heading per story
            story = c["id"]
            n = sizes[story]
            body.append(
                Markup(
                    '<tr class="story" id="{}"><th colspan="10">Story {}: {} article{}</th></tr>'
                ).format(story_anchor(story), story, n, "s" if n > 1 else "")
            )
        body.append(rows[r["id"]])
    orders = [
        {"name": name, "label": label, "current": name == current}
        for name, (label, _) in ORDERS.items()
    ]
    page = _render(
        "index.html",
        "postedit review",
        count=len(ordered),
        decided=decided,
        edits=edits,
        orders=orders,
        demoted=list(demoted),
        rows=Markup(ROWS_HERE),
    )
    head, tail = page.split(ROWS_HERE)
    yield head
    yield from body  # every piece is Markup already: placed as it is
    yield tail
