"""A gunicorn server with production-like settings, on a free local port, for the HTTP benchmarks."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import bench_env, free_port

ROOT = Path(__file__).resolve().parent.parent


class GunicornServer:
    """``gunicorn oms.wsgi`` with gthread workers: keep-alive connections, persistent DB connections."""

    def __init__(self, database_url: str, redis_url: str, *, workers: int | None = None, threads: int | None = None):
        self.port = free_port()
        # One thread per worker and twice as many workers as cores: order intake is CPU-bound
        # Python, and threads of one worker only queue for its GIL (measured: 2 cores, 4 x 1 took
        # 15-25 % less CPU per order and placed more orders per second than 3 x 4).
        self.workers = workers or int(os.environ.get("BENCH_GUNICORN_WORKERS", 2 * (os.cpu_count() or 1)))
        self.threads = threads or int(os.environ.get("BENCH_GUNICORN_THREADS", "1"))
        self.env = bench_env(database_url, redis_url)
        self.proc: subprocess.Popen | None = None
        self.log_path = ROOT / "var" / "bench-gunicorn.log"

    @property
    def description(self) -> str:
        return (
            f"gunicorn, {self.workers} gthread workers x {self.threads} threads, keep-alive, DEBUG off, "
            f"CONN_MAX_AGE={self.env['CONN_MAX_AGE']}"
        )

    def __enter__(self) -> GunicornServer:
        self.log_path.parent.mkdir(exist_ok=True)
        log = open(self.log_path, "w")  # closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "oms.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers),
                "--worker-class", "gthread",
                "--threads", str(self.threads),
                "--keep-alive", "30",
                "--backlog", "256",
                "--log-level", "warning",
            ],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        # A busy machine starts a worker slowly (Django, the apps and the URLconf load first).
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_path}")
            try:
                status, _ = request(self.port, "GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()  # no server left behind: ``with`` calls __exit__ only after __enter__ returned
        raise RuntimeError("gunicorn did not answer /healthz within 90 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def request(port: int, method: str, path: str, body: Any = None, headers: dict | None = None) -> tuple[int, Any]:
    """One request on a new connection (setup and checks; the load client keeps its connection)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw[:500].decode(errors="replace")
        return resp.status, parsed
    finally:
        conn.close()


class KeepAliveClient:
    """One persistent HTTP/1.1 connection (stdlib http.client); reconnects if the server closes it."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.port = port
        self.headers = {"Content-Type": "application/json", "Connection": "keep-alive", **headers}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post_json(self, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        hdrs = {**self.headers, **(headers or {})}
        for attempt in range(2):
            try:
                self.conn.request("POST", path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return resp.status, raw
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str) -> int:
        for attempt in range(2):
            try:
                self.conn.request("GET", path, headers=self.headers)
                resp = self.conn.getresponse()
                resp.read()
                return resp.status
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()
