"""Celery workers on a queue of their own, bare WeasyPrint rendering and resident memory, shared by
the PDF benchmarks (labels in ``fulfillment.py``, invoices in ``billing.py``) and the soak.

A benchmark routes the outbox kinds it measures to a fresh queue (``route_outbox_kinds``), starts
two worker processes with one slot each on it (``celery_workers``) and hands the waiting outbox
messages over at once. Its same-run reference renders the same document's HTML with bare WeasyPrint
in as many processes (``bare_rate``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, bench_env, child_pids

WORKERS = 2


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def pids(self) -> list[int]:
        """The worker's main process and its pool children (the processes that do the work)."""
        return [self.process.pid, *child_pids(self.process.pid)]


def start_workers(queue: str, bench_url: str, redis_url: str, log_dir: Path, *, count: int = WORKERS) -> list[Worker]:
    """``count`` Celery workers (one slot each) on ``queue`` only; returns once all are ready."""
    env = bench_env(bench_url, redis_url, DOCUMENTS_QUEUE=queue, CELERY_DEFAULT_QUEUE=queue, LOG_LEVEL="INFO")
    workers = []
    for n in range(count):
        log = log_dir / f"worker-{n}.log"
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "oms", "worker",
                "-Q", queue, "-c", "1", "-n", f"bench{n}-{queue}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
            ],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        workers.append(Worker(process, log))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all("ready." in w.log.read_text() for w in workers):
            return workers
        if any(w.process.poll() is not None for w in workers):
            break
        time.sleep(0.2)
    stop_workers(workers)
    raise RuntimeError("the Celery workers did not start: " + " / ".join(w.log.read_text()[-500:] for w in workers))


def stop_workers(workers: Sequence[Worker]) -> None:
    for w in workers:
        if w.process.poll() is None:
            w.process.terminate()
    for w in workers:
        try:
            w.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.process.kill()


@contextlib.contextmanager
def celery_workers(queue: str, bench_url: str, redis_url: str, *, count: int = WORKERS) -> Iterator[list[Worker]]:
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        workers = start_workers(queue, bench_url, redis_url, Path(tmp), count=count)
        try:
            yield workers
        finally:
            stop_workers(workers)


@contextlib.contextmanager
def route_outbox_kinds(queue: str, kinds: Sequence[str] | None = None) -> Iterator[None]:
    """Messages of ``kinds`` (None: every registered kind) that this process hands over go to ``queue``."""
    from django.conf import settings

    from oms import outbox

    before = settings.OUTBOX_QUEUES
    chosen = list(kinds) if kinds is not None else list(outbox._handlers)
    settings.OUTBOX_QUEUES = {**before, **dict.fromkeys(chosen, queue)}
    try:
        yield
    finally:
        settings.OUTBOX_QUEUES = before


def document_html(kind_code: str, subject: str) -> str:
    """The HTML ``oms.documents`` renders for the document ``kind_code`` about ``subject``."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from oms import documents

    kind = documents.get_kind(kind_code)
    content = kind.build(subject)
    with translation.override(content.language):
        return render_to_string(kind.template, {**content.context, "language": content.language})


def render_bare(html: str, base_url: str, count: int) -> int:
    from weasyprint import HTML

    for _n in range(count):
        HTML(string=html, base_url=base_url).write_pdf()
    return count


def bare_rate(html: str, *, processes: int = WORKERS, per_process: int = 10) -> tuple[int, float]:
    """(PDFs rendered, seconds) of bare WeasyPrint rendering ``html`` in ``processes`` processes."""
    from django.conf import settings

    base_url = f"{settings.BASE_DIR}/"
    render_bare(html, base_url, 2)  # warm up fonts in this process (the children inherit them)
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(processes) as pool:
        rendered = sum(pool.starmap(render_bare, [(html, base_url, per_process)] * processes))
    return rendered, time.perf_counter() - started


def aim_ratio(pdfs_per_s: float, bare_per_s: float, *, workers: int, processes: int) -> float | None:
    """The PDF aim's ratio: PDFs/s of the workers over min(workers, cores) x one process's bare rate
    (the bare rate of ``processes`` processes / processes). The aim is a ratio of at least 0.7."""
    if not bare_per_s:
        return None
    return pdfs_per_s / (min(workers, os.cpu_count() or 1) * bare_per_s / processes)


PDF_AIM = 0.7


def rss_mib(pids: Sequence[int]) -> float:
    """Resident memory of the processes ``pids`` together, in MiB (Linux /proc; 0 elsewhere)."""
    total_kib = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
                        break
        except (OSError, ValueError):
            pass
    return total_kib / 1024


def worker_pids(workers: Sequence[Worker]) -> list[int]:
    return [pid for w in workers for pid in w.pids()]
