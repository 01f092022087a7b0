"""``postedit review``: serve the review site on 127.0.0.1 and record editors' decisions.

The pages are the static ones the run wrote to ``output/review/``; the server only adds a
per-server token to their accept/reject forms. A decision is a POST to ``/decide`` from a page of
this server (same origin and the token, else 403), validated (known article and edit, small body)
and appended to the decisions file; the next run honours it.

An accept or reject is copied to the same change (same rule, same text, same replacement) in the
other members of the article's duplicate group, or with ``spread=story`` of its story cluster;
the copies carry ``via`` and count once in the rule's precision. A reject with ``never=1`` also
records the change's context as an exception of the rule in ``rules/`` (the pack folder's
``exceptions.yaml``; its sentence becomes a must-keep example). ``/stats.html`` and
``/stats.json`` show each rule's precision, live from the decisions file; ``/rule`` takes an
editor's ``restore`` (undo a demotion) or ``auto``.

The server answers only to the names it is reached by on this machine (``127.0.0.1:PORT``,
``localhost:PORT``, the address it binds): a page asked for under any other ``Host`` is refused,
so a web page on another site cannot reach it by pointing its own name at 127.0.0.1 (DNS
rebinding). A connection that sends nothing for `TIMEOUT` seconds is closed, and at most
`MAX_CONNECTIONS` are served at once (more are refused at once).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import secrets
import socket
import threading
from dataclasses import replace
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from . import trust
from .correct import exception_key, sentence_around
from .decisions import (
    append_decision,
    context_key,
    default_reviewer,
    load_decisions,
    stamped,
)
from .incremental import Cache
from .model import Article, Edit
from .render import safe_name
from .review import TOKEN_PLACEHOLDER, bulk_page, decided_mark, stats_page
from .rules import EXCEPTIONS_FILE, RuleError, fold, load_rules
from .write import atomic_write_text

MAX_BODY = 4096
MAX_TYPED = 500  # characters of a replacement an editor types for a flag
TIMEOUT = 30  # seconds a connection may stay silent
MAX_CONNECTIONS = 32
MAX_SENTENCE = 600  # characters of context a "never in this context" example keeps
PAGE = re.compile(r"^/(?:(index(?:-[a-z]+)?\.html))?$|^/articles/([A-Za-z0-9._-]{1,200})\.html$")
FIELDS = ("article", "rule", "before", "left", "right", "decision", "scope", "source", "token")
# a reject's "never in this context"; how far a decision is copied; a bulk decision's
# go-ahead after its preview; the fix an editor wrote; the change's number on its page
EXTRA = ("never", "spread", "confirm", "after", "index")
BULK_SCOPES = ("article", "story", "corpus")


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        output_dir: Path,
        decisions: Path,
        rules_dir: Path | None = None,
        reviewer: str | None = None,
    ) -> None:
        super().__init__(address, Handler)
        self.reviewer = reviewer or default_reviewer()  # on every decision, with the time
        self.hosts = allowed_hosts(address[0], self.server_address[1])
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.output = output_dir
        self.site = output_dir / "review"
        self.corpus = output_dir / "corpus.jsonl"
        self.decisions = decisions
        self.rules_dir = rules_dir
        self.token = secrets.token_urlsafe(24)
        self.writing = threading.Lock()  # one decision (and its copies) at a time

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        if not self.slots.acquire(blocking=False):  # too many at once: refused, not queued
            with contextlib.suppress(OSError):
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def records(self) -> dict[str, dict]:
        """The corpus records by id (their text left out)."""
        out = {}
        try:
            with self.corpus.open(encoding="utf-8") as corpus:
                for line in corpus:
                    record = json.loads(line)
                    record.pop("text", None)
                    out[record["id"]] = record
        except (OSError, ValueError, KeyError):
            return {}
        return out

    def known_edit(self, form: dict[str, str], records: dict[str, dict]) -> bool:
        """Is there an edit with this article, rule and text in the corpus?"""
        record = records.get(form["article"])
        return record is not None and _find(record, form) is not None

    def decided_edit(self, form: dict[str, str]) -> tuple[Article, Edit] | None:
        """The article (from the run's cache) and its edit that the form decides."""
        try:
            article = Cache(self.output).load(form["article"])
        except (OSError, ValueError, KeyError):
            return None
        edit = next((e for e in article.edits if _same_change(article, e, form)), None)
        return None if edit is None else (article, edit)

    def edit_in_raw(self, form: dict[str, str]) -> tuple[str, int, int, str] | None:
        """(raw text, start, end, after) of the decided edit, from the run's cache."""
        found = self.decided_edit(form)
        if found is None:
            return None
        article, e = found
        return article.raw, e.start, e.end, e.after

    def decided(self, form: dict[str, str], decision: str, typed: str | None) -> str | None:
        """The change as the page shows it once decided (``index``: its number on the page)."""
        index = form.get("index", "")
        if decision not in ("accept", "reject") or not index.isdigit():
            return None
        found = self.decided_edit(form)
        return None if found is None else decided_mark(found[1], int(index), decision, typed)

    def copies(self, form: dict[str, str], decision: dict, records: dict[str, dict]) -> list[dict]:
        """The decision, copied to the same change in the other members of the article's
        duplicate group (or story, with ``spread=story``)."""
        me = records.get(form["article"])
        found = self.edit_in_raw(form)
        if me is None or found is None:
            return []
        after = found[3]
        cluster = me["cluster"]
        if form.get("spread") == "story":
            members = [r for r in records.values() if r["cluster"]["id"] == cluster["id"]]
        else:
            canon = cluster["of"] if cluster["role"] == "duplicate" else me["id"]
            members = [
                r
                for r in records.values()
                if r["id"] == canon
                or (r["cluster"]["role"] == "duplicate" and r["cluster"]["of"] == canon)
            ]
        out = []
        cache = Cache(self.output)
        for member in sorted(members, key=lambda r: r["id"]):
            if member["id"] == me["id"]:
                continue
            try:
                article = cache.load(member["id"])
            except (OSError, ValueError, KeyError):
                continue
            out += [
                {**decision, "article": member["id"], "via": me["id"]}
                for e in article.edits
                if e.after == after and _same_change(article, e, form)
            ]
        return out

    def add_exception(self, form: dict[str, str]) -> Path | None:
        """Record the rejected change's context as an exception of its rule, in the rule's pack
        folder; None if the rule is not a pack rule (a grammar check) or no rules are known."""
        if self.rules_dir is None:
            return None
        try:
            rules = load_rules(self.rules_dir)
        except RuleError:
            return None
        rule = next((r for r in rules.rules if r.id == form["rule"]), None)
        found = self.edit_in_raw(form)
        if rule is None or found is None:
            return None
        raw, start, end, _ = found
        text, left, right = exception_key(raw, start, end)
        lo, hi = sentence_around(raw, start, end)
        if hi - lo > MAX_SENTENCE:  # a run-on "sentence": the words around the change
            half = MAX_SENTENCE // 2
            if start - half > lo:
                lo = raw.rfind(" ", lo, start - half) + 1 or lo
            if end + half < hi:
                cut = raw.find(" ", end + half, hi)
                hi = cut if cut >= 0 else hi
        entry = {
            "rule": rule.id,
            "text": text,
            "left": left,
            "right": right,
            "sentence": fold(raw[lo:hi]),
            "article": form["article"],
        }
        path = Path(rule.path).parent / EXCEPTIONS_FILE
        return path if add_exception(path, entry) else None

    def stats(self, reviewer: str | None = None) -> dict:
        """Each rule's precision (live from the decisions file), support and edits per 10,000
        words (from the last run's report), and the demotions they lead to; with ``reviewer``,
        the precision of that reviewer's decisions (the demotions stay those of all)."""
        decisions = load_decisions(self.decisions)
        rules = None
        if self.rules_dir is not None:
            try:
                rules = load_rules(self.rules_dir)
            except RuleError:
                rules = None
        measured = (
            trust.measure(rules, decisions, self.rules_dir)
            if rules is not None and self.rules_dir is not None
            else trust.Trust(stats=trust.rule_stats(decisions))
        )
        if reviewer is not None:
            measured = replace(measured, stats=trust.rule_stats(decisions, reviewer))
        out = trust.stats(rules, measured, trust.read_report(self.output))
        out["reviewers"] = sorted(set(decisions.reviewers.values()))
        out["reviewer"] = reviewer
        return out

    def undecided(self, rule: str, scope: str, article: str, records: dict[str, dict]) -> dict:
        """The changes of ``rule`` no decision covers yet, in ``article``, its story or the
        corpus (``scope``): each as the decision line that would decide it, and which of them a
        guard held back (``held``, which a bulk accept skips)."""
        me = records.get(article)
        if scope == "article":
            members = [me] if me else []
        elif scope == "story":
            story = me["cluster"]["id"] if me else None
            members = [r for r in records.values() if r["cluster"]["id"] == story]
        else:
            members = list(records.values())
        decisions = load_decisions(self.decisions)
        cache = Cache(self.output)
        lines, held = [], []
        for record in sorted(members, key=lambda r: r["id"]):
            if not any(e["rule"] == rule for e in record["edits"]):
                continue
            try:
                loaded = cache.load(record["id"])
            except (OSError, ValueError, KeyError):
                continue
            for edit in loaded.edits:
                if edit.rule != rule or edit.decision:
                    continue
                before, left, right = context_key(loaded.raw, edit.start, edit.end)
                key = (loaded.id, rule, before, left, right)
                if key in decisions.edits:
                    continue
                line = {"article": loaded.id, "rule": rule, "before": before}
                line.update(left=left, right=right)
                (held if edit.held else lines).append(line)
        return {"lines": lines, "held": held}


def add_exception(path: Path, entry: dict[str, str]) -> bool:
    """Append ``entry`` to the ``exceptions`` of ``path`` (created if need be), atomically; False
    if it is there already."""
    import yaml

    data: dict = {}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = list(data.get("exceptions") or [])
    key = (entry["rule"], entry["text"], entry["left"], entry["right"])
    if any((i.get("rule"), i.get("text"), i.get("left"), i.get("right")) == key for i in items):
        return False
    items.append(entry)
    header = (
        '# Contexts editors ruled out ("never in this context" in postedit review): in each, the\n'
        "# rule makes no change, and the sentence is one of its must-keep examples.\n"
        "# Review changes to this file like any change to the rules.\n"
    )
    body = yaml.safe_dump({"exceptions": items}, allow_unicode=True, sort_keys=False, width=1000)
    atomic_write_text(path, header + body)
    return True


def _same_change(article: Article, edit: Edit, form: dict[str, str]) -> bool:
    """Is ``edit`` the change the form decides: the same rule, text and words around it?"""
    return edit.rule == form["rule"] and context_key(article.raw, edit.start, edit.end) == (
        form.get("before", ""),
        form.get("left", ""),
        form.get("right", ""),
    )


def _find(record: dict, form: dict[str, str]) -> dict | None:
    return next(
        (
            e
            for e in record["edits"]
            if e["rule"] == form["rule"] and fold(e["before"]) == form["before"]
        ),
        None,
    )


SCRIPT_CSP = "default-src 'none'; script-src 'self'; connect-src 'self';"


@functools.lru_cache(maxsize=1)
def review_script() -> bytes:
    """The keyboard script of the article pages (``postedit/static/review.js``)."""
    return (resources.files("postedit") / "static" / "review.js").read_bytes()


def with_script(html: str) -> str:
    """An article page as served: its script, and a policy that lets only that script run and
    talk only to this server (the static page allows no script at all)."""
    html = html.replace("default-src 'none';", SCRIPT_CSP, 1)
    return html.replace("</body>", '<script src="/review.js" defer></script>\n</body>', 1)


def done_notice(done: str) -> str:
    """The line a page shows after a bulk decision (``decision:count:skipped:rule``)."""
    parts = done.split(":", 3)
    if (
        len(parts) != 4
        or parts[0] not in ("accept", "reject")
        or not all(p.isdigit() for p in parts[1:3])
    ):
        return ""
    decision, count, skipped, rule = parts
    more = f"; {skipped} held back by a guard, skipped" if skipped != "0" else ""
    text = f"{decision.capitalize()}ed {count} change(s) of {rule}{more}. The next run applies it."
    return f'<p role="status" id="done" class="noprint">{escape(text)}</p>\n'


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` values the server answers to: its loopback names and the address it binds;
    bound to every address (0.0.0.0), the machine's own names too."""
    names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
    if host in ("0.0.0.0", "::", ""):
        names |= {socket.gethostname(), socket.getfqdn()}
    return frozenset(f"{name.lower()}:{port}" for name in names if name)


class Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "postedit-review"
    timeout = TIMEOUT  # a silent connection is closed, never held open

    def _known_host(self) -> bool:
        """Is the request for this server by one of its own names? (Else it is refused.)"""
        if self.headers.get("Host", "").lower() in self.server.hosts:
            return True
        self._send(HTTPStatus.MISDIRECTED_REQUEST, b"unknown host\n")
        return False

    def log_message(self, format: str, *args: object) -> None:  # quiet by default
        pass

    def _send(self, status: int, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "same-origin")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if not self._known_host():
            return
        path = urlsplit(self.path).path
        if path == "/review.js":
            self._send(HTTPStatus.OK, review_script(), "text/javascript; charset=utf-8")
            return
        if path in ("/stats.json", "/stats.html"):
            query = parse_qs(urlsplit(self.path).query)
            reviewer = (query.get("reviewer") or [""])[0].strip()[:200] or None
            stats = self.server.stats(reviewer)
            if path == "/stats.json":
                body = json.dumps(stats, ensure_ascii=False, indent=2).encode("utf-8")
                self._send(HTTPStatus.OK, body, "application/json")
            else:
                page = stats_page(stats).replace(TOKEN_PLACEHOLDER, self.server.token)
                self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")
            return
        match = PAGE.match(path)
        if not match:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n")
            return
        if match.group(2):
            file = self.server.site / "articles" / f"{match.group(2)}.html"
        else:
            file = self.server.site / (match.group(1) or "index.html")
        try:
            html = file.read_text(encoding="utf-8")
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n")
            return
        html = html.replace(TOKEN_PLACEHOLDER, self.server.token)
        # the keyboard (article pages) and the filters (index pages), under a CSP that allows
        # this one script
        html = with_script(html)
        done = (parse_qs(urlsplit(self.path).query).get("done") or [""])[0]
        if done:
            html = html.replace("<body>\n", "<body>\n" + done_notice(done), 1)
        self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")

    def _form(self) -> dict[str, str] | None:
        """The posted form, once the request is checked (same origin, size, token); None if a
        response refusing it was sent."""
        host = self.headers.get("Host", "").lower()
        origin = self.headers.get("Origin") or self.headers.get("Referer") or ""
        if urlsplit(origin).netloc.lower() != host or host not in self.server.hosts:
            self._send(HTTPStatus.FORBIDDEN, b"cross-site request refused\n")
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send(HTTPStatus.BAD_REQUEST, b"bad Content-Length\n")
            return None
        if length > MAX_BODY:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"request too large\n")
            return None
        raw = parse_qs(self.rfile.read(length).decode("utf-8", "replace"), keep_blank_values=True)
        form = {k: v[0] for k, v in raw.items() if k in FIELDS + EXTRA and len(v) == 1}
        if not secrets.compare_digest(form.get("token", ""), self.server.token):
            self._send(HTTPStatus.FORBIDDEN, b"bad or missing token\n")
            return None
        return form

    def stamp(self, line: dict) -> dict:
        return stamped(line, self.server.reviewer)

    def bulk(self, form: dict[str, str]) -> None:
        """Accept or reject every undecided change of one rule in an article, its story or the
        corpus. Without ``confirm=1``, a page saying how many (and, for an accept, how many a
        guard held back and the accept skips) with the button that does it; with it, the
        decisions, one line per change."""
        rule, scope, decision = form.get("rule", ""), form.get("scope", ""), form.get("decision")
        if (
            decision not in ("accept", "reject")
            or scope not in BULK_SCOPES
            or not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,200}", rule)
        ):
            self._send(HTTPStatus.BAD_REQUEST, b"unknown bulk decision\n")
            return
        article = form.get("article", "")
        found = self.server.undecided(rule, scope, article, self.server.records())
        lines, held = found["lines"], found["held"]
        if decision == "reject":
            lines, held = lines + held, []  # a reject covers what a guard held back too
        if form.get("confirm") != "1":
            page = bulk_page(rule, scope, decision, article, len(lines), len(held))
            page = page.replace(TOKEN_PLACEHOLDER, self.server.token)
            self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")
            return
        with self.server.writing:
            for line in lines:
                append_decision(self.server.decisions, self.stamp({**line, "decision": decision}))
        records = self.server.records()
        where = f"/articles/{safe_name(article)}.html" if article in records else "/index.html"
        done = urlencode({"done": f"{decision}:{len(lines)}:{len(held)}:{rule}"})
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", f"{where}?{done}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _back(self, anchor: str = "") -> None:
        """Back to the page the form was on (at the change it decided, ``anchor``)."""
        referer = urlsplit(self.headers.get("Referer", "/")).path or "/"
        self.send_response(HTTPStatus.SEE_OTHER)
        ok = PAGE.match(referer) or referer == "/stats.html"
        self.send_header("Location", (referer + anchor) if ok else "/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        if not self._known_host():
            return
        path = urlsplit(self.path).path
        if path not in ("/decide", "/rule", "/bulk"):
            self._send(HTTPStatus.NOT_FOUND, b"not found\n")
            return
        form = self._form()
        if form is None:
            return
        if path == "/rule":
            rule = form.get("rule", "")
            if form.get("decision") not in ("restore", "auto") or not re.fullmatch(
                r"[a-z0-9][a-z0-9._-]{0,200}", rule
            ):
                self._send(HTTPStatus.BAD_REQUEST, b"unknown rule decision\n")
                return
            with self.server.writing:
                append_decision(
                    self.server.decisions,
                    self.stamp({"decision": form["decision"], "rule": rule, "scope": "rule"}),
                )
            self._back()
            return
        if path == "/bulk":
            self.bulk(form)
            return
        decision = form.get("decision")
        rule_off = decision == "off" and form.get("scope") in ("article", "source")
        records = self.server.records()  # read once for the check and the copies
        known = self.server.known_edit(form, records)
        if not (decision in ("accept", "reject") or rule_off) or not known:
            self._send(HTTPStatus.BAD_REQUEST, b"unknown edit or decision\n")
            return
        keep = ("article", "rule", "decision", "scope", "source") if rule_off else FIELDS[:6]
        line = self.stamp({k: form[k] for k in keep if k in form})
        typed = form.get("after")
        if decision == "accept" and typed is not None:
            if len(typed) > MAX_TYPED or "\n" in typed:
                self._send(
                    HTTPStatus.BAD_REQUEST, b"the replacement is one line, 500 characters at most\n"
                )
                return
            line["after"] = typed
        with self.server.writing:
            append_decision(self.server.decisions, line)
            if not rule_off:
                for copy in self.server.copies(form, line, records):
                    append_decision(self.server.decisions, copy)
            if decision == "reject" and form.get("never") == "1":
                self.server.add_exception(form)
        if "application/json" in self.headers.get("Accept", ""):  # the page's script
            done = "written" if "after" in line else f"{decision}ed" if decision != "off" else "off"
            answer = {"decision": decision, "label": f"{done} by {self.server.reviewer}"}
            shown = self.server.decided(form, decision, typed)
            if shown is not None:
                answer["html"] = shown
            self._send(HTTPStatus.OK, json.dumps(answer).encode("utf-8"), "application/json")
            return
        index = form.get("index", "")
        self._back(f"#e{index}" if index.isdigit() else "")


def serve(
    output_dir: Path,
    decisions: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    rules_dir: Path | None = None,
    reviewer: str | None = None,
) -> ReviewServer:
    """A server ready to ``serve_forever()`` (port 0 picks a free port). With ``rules_dir``,
    "never in this context" writes exceptions there and the statistics show demotions.
    ``reviewer`` is recorded with every decision (default: `default_reviewer`)."""
    return ReviewServer((host, port), output_dir, decisions, rules_dir, reviewer)
