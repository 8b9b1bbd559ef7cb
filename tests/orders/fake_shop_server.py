"""The HTTP half of the fake shops (``fake_woocommerce``, ``fake_shopify``): a real server on
127.0.0.1 that hands each request (method, path, query, lower-case headers, JSON body) to the
shop's ``handle`` and sends back its ``(status, JSON data, extra headers)``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Handle = Callable[[str, str, dict[str, list[str]], dict[str, str], Any], tuple[int, Any, dict[str, str]]]


@contextmanager
def serving(handle: Callable[[], Handle]) -> Iterator[str]:
    """Serve ``handle()`` (asked anew for each request, so a test may replace it) and yield the
    server's base URL (plain http)."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            parts = urlsplit(self.path)
            status, data, extra = handle()(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            payload = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
