"""A local HTTP server that speaks LanguageTool's API (``POST /v2/check``, ``GET /v2/languages``)
and replays LanguageTool 6.5 responses from ``tests/data/languagetool/``.

Each recording is the response to one sentence. For a request, the server finds every recorded
sentence in the submitted text and returns their matches with offsets moved to where the sentence
is, counted in UTF-16 code units as LanguageTool counts them; ``disabledRules`` are honoured, and
so are ``enabledRules`` with ``enabledOnly``. The
``mode`` attribute makes it answer with an error status (``error``: 500, ``bad-language``: 400)
or answer late (``slow``). Every request is kept in ``requests``.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "languagetool"


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Replay(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.recordings: list[dict[str, Any]] = json.loads((DATA / "check.json").read_text())
        self.languages = json.loads((DATA / "languages.json").read_text())
        self.mode = "ok"
        self.delay = 3.0
        self.requests: list[dict[str, str]] = []

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on a slow answer closed its end: nothing to report

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, form: dict[str, str]) -> dict[str, Any]:
        text, code = form.get("text", ""), form.get("language", "")
        disabled = set(filter(None, form.get("disabledRules", "").split(",")))
        only = form.get("enabledOnly") == "true"
        enabled = set(filter(None, form.get("enabledRules", "").split(",")))
        envelope = copy.deepcopy(self.recordings[0]["response"])
        envelope["matches"] = []
        name = next((x["name"] for x in self.languages if x["longCode"] == code), code)
        envelope["language"] = {
            "name": name,
            "code": code,
            "detectedLanguage": {"name": name, "code": code, "confidence": 0.99},
        }
        for recording in self.recordings:
            sentence = recording["sentence"]
            at = text.find(sentence)
            while at >= 0:
                shift = utf16(text[:at])
                for match in recording["response"]["matches"]:
                    rule = match["rule"]["id"]
                    if rule in disabled or (only and rule not in enabled):
                        continue
                    moved = copy.deepcopy(match)
                    moved["offset"] += shift
                    envelope["matches"].append(moved)
                at = text.find(sentence, at + 1)
        envelope["matches"].sort(key=lambda m: m["offset"])
        return envelope


class Handler(BaseHTTPRequestHandler):
    server: Replay

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/v2/languages":
            self._send(200, json.dumps(self.server.languages).encode())
        else:
            self._send(404, b"Not found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))
        if self.path.split("?")[0] != "/v2/check":
            self._send(404, b"Not found", "text/plain")
            return
        self.server.requests.append(form)
        mode = self.server.mode
        if mode == "slow":
            time.sleep(self.server.delay)
        if mode == "error":
            body = b"Error: Internal Error: java.lang.RuntimeException: check failed"
            self._send(500, body, "text/plain")
        elif mode == "bad-language" or not form.get("language"):
            message = (
                f"Error: '{form.get('language', '')}' is not a language code known to LanguageTool."
            )
            self._send(400, message.encode(), "text/plain")
        elif "text" not in form:
            self._send(400, b"Error: Missing 'text' or 'data' parameter", "text/plain")
        else:
            self._send(200, json.dumps(self.server.answer(form), ensure_ascii=False).encode())


def start() -> Replay:
    server = Replay()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
