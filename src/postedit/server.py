"""``postedit review``: serve the review site on 127.0.0.1 and record editors' decisions.

The pages are the static ones the run wrote to ``output/review/``; the server only adds a
per-server token to their accept/reject forms. A decision is a POST to ``/decide`` from a page of
this server (same origin and the token, else 403), validated (known article and edit, small body)
and appended to the decisions file; the next run honours it.
"""

from __future__ import annotations

import json
import re
import secrets
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .decisions import append_decision
from .review import TOKEN_PLACEHOLDER

MAX_BODY = 4096
PAGE = re.compile(r"^/(?:(index(?:-[a-z]+)?\.html))?$|^/articles/([A-Za-z0-9._-]{1,200})\.html$")
FIELDS = ("article", "rule", "before", "left", "right", "decision", "scope", "source", "token")


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], output_dir: Path, decisions: Path) -> None:
        super().__init__(address, Handler)
        self.site = output_dir / "review"
        self.corpus = output_dir / "corpus.jsonl"
        self.decisions = decisions
        self.token = secrets.token_urlsafe(24)

    def known_edit(self, form: dict[str, str]) -> bool:
        """Is there an edit with this article, rule and text in the corpus?"""
        try:
            with self.corpus.open(encoding="utf-8") as corpus:
                for line in corpus:
                    record = json.loads(line)
                    if record["id"] == form["article"]:
                        return any(
                            e["rule"] == form["rule"]
                            and " ".join(e["before"].split()) == form["before"]
                            for e in record["edits"]
                        )
        except (OSError, ValueError, KeyError):
            return False
        return False


class Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "postedit-review"

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
        path = urlsplit(self.path).path
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
        self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/decide":
            self._send(HTTPStatus.NOT_FOUND, b"not found\n")
            return
        host = self.headers.get("Host", "")
        origin = self.headers.get("Origin") or self.headers.get("Referer") or ""
        if urlsplit(origin).netloc != host:
            self._send(HTTPStatus.FORBIDDEN, b"cross-site request refused\n")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send(HTTPStatus.BAD_REQUEST, b"bad Content-Length\n")
            return
        if length > MAX_BODY:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"request too large\n")
            return
        raw = parse_qs(self.rfile.read(length).decode("utf-8", "replace"), keep_blank_values=True)
        form = {k: v[0] for k, v in raw.items() if k in FIELDS and len(v) == 1}
        if not secrets.compare_digest(form.get("token", ""), self.server.token):
            self._send(HTTPStatus.FORBIDDEN, b"bad or missing token\n")
            return
        decision = form.get("decision")
        rule_off = decision == "off" and form.get("scope") in ("article", "source")
        if not (decision in ("accept", "reject") or rule_off) or not self.server.known_edit(form):
            self._send(HTTPStatus.BAD_REQUEST, b"unknown edit or decision\n")
            return
        keep = ("article", "rule", "decision", "scope", "source") if rule_off else FIELDS[:6]
        decision = {k: form[k] for k in keep if k in form}
        append_decision(self.server.decisions, decision)
        referer = urlsplit(self.headers.get("Referer", "/")).path or "/"
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", referer if PAGE.match(referer) else "/")
        self.send_header("Content-Length", "0")
        self.end_headers()


def serve(
    output_dir: Path, decisions: Path, host: str = "127.0.0.1", port: int = 8765
) -> ReviewServer:
    """A server ready to ``serve_forever()`` (port 0 picks a free port)."""
    return ReviewServer((host, port), output_dir, decisions)
