"""Metrics across processes (prometheus-client multiprocess mode), the beat heartbeat, and
optional error reporting. Each runs in fresh Python processes: prometheus-client chooses its
value storage, and sentry-sdk its client, once per process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **env: str) -> str:
    environment = {"PATH": os.environ.get("PATH", ""), **env}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_metrics_add_up_every_worker_process(tmp_path: Path) -> None:
    directory = str(tmp_path / "prometheus")
    os.mkdir(directory)
    count = (
        "from recordings_api.monitoring.metrics import CAPTURE_REQUESTS\n"
        "CAPTURE_REQUESTS.labels(status='200', code='ok').inc({n})\n"
    )

    _python(count.format(n=2), PROMETHEUS_MULTIPROC_DIR=directory)
    _python(count.format(n=3), PROMETHEUS_MULTIPROC_DIR=directory)
    exposition = _python(
        "from recordings_api.monitoring.metrics import metrics_exposition\n"
        "print(metrics_exposition().decode())\n",
        PROMETHEUS_MULTIPROC_DIR=directory,
    )

    assert 'capture_requests_total{code="ok",status="200"} 5.0' in exposition


def test_beat_heartbeat_is_fresh_after_a_tick_and_stale_later(tmp_path: Path) -> None:
    from recordings_api.monitoring.celery_processes import beat_alive

    heartbeat = tmp_path / "heartbeat"
    os.environ["CELERY_BEAT_HEARTBEAT_FILE"] = str(heartbeat)
    try:
        assert beat_alive(60) is False
        heartbeat.touch()
        assert beat_alive(60) is True
        old = time.time() - 600
        os.utime(heartbeat, (old, old))
        assert beat_alive(60) is False
    finally:
        del os.environ["CELERY_BEAT_HEARTBEAT_FILE"]


def test_error_reporting_starts_only_with_a_dsn() -> None:
    output = _python(
        "import sentry_sdk\n"
        "from recordings_api.monitoring.error_reporting import error_reporting_init\n"
        "print(error_reporting_init(dsn=None, environment='test', release=None, traces_sample_rate=0.0))\n"
        "print(sentry_sdk.get_client().is_active())\n"
        "print(error_reporting_init(dsn='http://public@127.0.0.1:9/1', environment='test', release='r1',"
        " traces_sample_rate=0.0))\n"
        "client = sentry_sdk.get_client()\n"
        "print(client.is_active(), client.options['environment'], client.options['send_default_pii'])\n"
    )

    assert output.split("\n")[:4] == ["False", "False", "True", "True test False"]
