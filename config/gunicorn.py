"""gunicorn settings of the Docker image (``gunicorn -c config/gunicorn.py config.wsgi``).

Threads, not sync workers: a long snapshot stream to a slow client must not hit the worker
timeout or hold a whole process. No access log: the app writes one JSON line per request
(with its request id). ``PROMETHEUS_MULTIPROC_DIR`` is emptied at start and every exited
worker is marked dead, so ``/metrics`` adds up the live workers' values and keeps the
counters of the ones that were replaced.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
accesslog = None
errorlog = "-"


def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
