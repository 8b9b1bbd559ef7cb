"""A real HTTP server on 127.0.0.1 that records what webhooks POST to it and answers as told."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)  # (status, body), used up in turn
    default: tuple[int, str] = (200, "ok")
    delay: float = 0.0
    hang: int = 0  # this many of the next requests get no answer until ``released`` (or 5 minutes)
    released: threading.Event = field(default_factory=threading.Event)

    def answer(self) -> tuple[int, str]:
        return self.answers.pop(0) if self.answers else self.default


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_REQUIRE_HTTPS = False
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            recv = state["receiver"]
            recv.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if recv.hang > 0:
                recv.hang -= 1
                recv.released.wait(300)
            if recv.delay:
                time.sleep(recv.delay)
            status, text = recv.answer()
            payload = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/oms")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["receiver"]
    finally:
        state["receiver"].released.set()  # a request still hanging ends now
        server.shutdown()
        server.server_close()
