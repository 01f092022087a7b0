"""The review server's exposure: it answers only to its own host names (no DNS rebinding),
closes silent connections and serves a bounded number at once."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from pathlib import Path

import pytest

from postedit import server as review

S002 = "002_886702d4e5dac6fe"


@pytest.fixture
def corpus(seeds_corpus: Path) -> Path:
    return seeds_corpus


@pytest.fixture
def running(corpus: Path):
    servers = []

    def start():
        srv = review.serve(corpus, corpus / "review" / "decisions.jsonl", port=0)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def request(port: int, method: str, path: str, host: str, **headers: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = headers.pop("body", None)
    conn.putrequest(method, path, skip_host=True)
    conn.putheader("Host", host)
    for name, value in headers.items():
        conn.putheader(name.replace("_", "-"), value)
    if body is not None:
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body.encode() if body is not None else None)
    response = conn.getresponse()
    return response.status, response.read().decode("utf-8", "replace")


def test_a_foreign_host_gets_neither_the_page_nor_a_decision(running, corpus: Path) -> None:
    srv = running()
    port = srv.server_address[1]
    page = f"/articles/{S002}.html"
    status, html = request(port, "GET", page, f"127.0.0.1:{port}")
    assert status == 200 and srv.token in html
    for name in ("localhost", "LOCALHOST"):
        assert request(port, "GET", page, f"{name}:{port}")[0] == 200

    evil = f"evil.example:{port}"  # a name of the attacker's that resolves to 127.0.0.1
    status, body = request(port, "GET", page, evil)
    assert status == 421 and srv.token not in body
    form = f"article={S002}&rule=en.from-ar.truth-truce&before=truth&decision=reject"
    form += f"&token={srv.token}"
    status, _ = request(port, "POST", "/decide", evil, Origin=f"http://{evil}", body=form)
    assert status == 421
    status, _ = request(
        port, "POST", "/decide", f"127.0.0.1:{port}", Origin=f"http://{evil}", body=form
    )
    assert status == 403
    assert not (corpus / "review" / "decisions.jsonl").exists()


def test_silent_connections_are_closed_and_bounded(running, monkeypatch) -> None:
    monkeypatch.setattr(review.Handler, "timeout", 1)
    monkeypatch.setattr(review, "MAX_CONNECTIONS", 2)
    srv = running()
    port = srv.server_address[1]
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    time.sleep(0.3)  # both taken in
    with socket.create_connection(("127.0.0.1", port), timeout=5) as third:
        assert third.recv(100).startswith(b"HTTP/1.0 503")  # refused at once, not queued
    for sock in silent:  # closed by the server once silent for its timeout
        sock.settimeout(5)
        assert sock.recv(100) == b""
        sock.close()
    time.sleep(0.3)
    assert request(port, "GET", "/", f"127.0.0.1:{port}")[0] == 200  # the slots came back
