"""Logs and metrics: request ids, one JSON line per request, capture rejections, flush failures,
and /metrics counters that move, through real requests and the real flush."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from recordings_api.models import Environment
from recordings_api.monitoring.logs import JsonFormatter
from snapshots.flush import live_buffers_flush_due
from snapshots.live_buffer import BufferedLine, get_live_buffer
from tests.snapshots.test_capture_support import full_snapshot, meta, now_ms, post_json, snapshot_item

pytestmark = pytest.mark.usefixtures("database_buffer", "local_settings")

METRICS_TOKEN = "test-metrics-token"
STORAGE_OUTAGE = {
    "OBJECT_STORAGE_ENDPOINT": "http://127.0.0.1:1",
    "OBJECT_STORAGE_BUCKET": "down",
    "OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS": 0.2,
    "OBJECT_STORAGE_MAX_ATTEMPTS": 1,
}


@pytest.fixture
def database_buffer(db: None) -> Iterator[None]:
    with override_settings(REDIS_URL=None):
        yield


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Records of every logger, formatted by the configured JSON formatter and context filter."""
    configured = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configured.formatter)
    for log_filter in configured.filters:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


def log_lines(stream: io.StringIO, message: str) -> list[dict[str, Any]]:
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line["message"] == message]


def snapshot_batch(environment: Environment, session_id: str) -> list[dict[str, Any]]:
    ts = now_ms()
    events = [meta(ts), full_snapshot(ts + 1)]
    return [snapshot_item(token=environment.api_token, session_id=session_id, events=events)]


def scrape(client: Client) -> dict[str, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200, response.content
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def moved(before: dict[str, float], after: dict[str, float], name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


# --- request id and the request line -----------------------------------------------------------


def test_request_id_is_taken_from_the_header_and_returned(client: Client, json_log: io.StringIO) -> None:
    response = client.get("/api/projects/1/session_recordings/", HTTP_X_REQUEST_ID="edge-42.a")

    assert response.status_code == 401
    assert response["X-Request-ID"] == "edge-42.a"
    [line] = log_lines(json_log, "request")
    assert line["request_id"] == "edge-42.a"
    assert line["status"] == 401
    assert line["error_code"] == "not_authenticated"


def test_request_id_is_generated_when_missing_or_unusable(client: Client) -> None:
    generated = client.get("/_health")["X-Request-ID"]
    forged = client.get("/_health", HTTP_X_REQUEST_ID="a b\nInjected: 1")["X-Request-ID"]

    assert len(generated) == 32 and int(generated, 16) >= 0
    assert len(forged) == 32 and forged != generated


def test_a_rejected_capture_is_logged_once_with_its_reason_and_environment(
    client: Client, environment: Environment, json_log: io.StringIO
) -> None:
    item = snapshot_batch(environment, "s-bad")[0]
    item["properties"]["$session_id"] = ""

    response = post_json(client, "/s/", [item], HTTP_X_REQUEST_ID="rejected-1")

    assert response.status_code == 400
    lines = [line for line in orjson_lines(json_log) if line.get("request_id") == "rejected-1"]
    [request_line] = [line for line in lines if line["message"] == "request"]
    assert {k: request_line[k] for k in ("path", "status", "environment_id", "rejected_count")} == {
        "path": "/s/",
        "status": 400,
        "environment_id": environment.id,
        "rejected_count": 1,
    }
    assert request_line["error_code"] == response.json()["code"]
    assert request_line["rejected_codes"] == [response.json()["code"]]
    assert request_line["error_detail"] == response.json()["detail"]
    # Django's own "Bad Request: /s/" line is not written: one line per request.
    assert [line["message"] for line in lines] == ["request"]


def orjson_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_failed_flush_is_a_json_line_with_the_session_and_the_error(
    environment: Environment, json_log: io.StringIO
) -> None:
    line = BufferedLine(score=now_ms(), line=orjson.dumps({"window_id": "w", "data": [{"type": 4}]}).decode())
    get_live_buffer().append(environment_id=environment.id, session_id="s-flush-fails", lines=[line])

    with override_settings(**STORAGE_OUTAGE):
        [outcome] = live_buffers_flush_due(force=True)

    assert outcome.status == "failed"
    [failure] = log_lines(json_log, "snapshot_flush_failed")
    assert failure["level"] == "WARNING"
    assert failure["logger"] == "snapshots.flush"
    assert failure["session_id"] == "s-flush-fails"
    assert failure["environment_id"] == environment.id
    assert "object storage put failed" in failure["error"]
    assert failure["error"] == outcome.error


# --- /metrics ------------------------------------------------------------------------------------


@override_settings(METRICS_TOKEN=METRICS_TOKEN)
def test_metrics_counters_move(client: Client, environment: Environment) -> None:
    before = scrape(client)

    assert post_json(client, "/s/", snapshot_batch(environment, "s-ok")).status_code == 200
    bad = snapshot_batch(environment, "s-bad")[0]
    bad["properties"]["$session_id"] = ""
    rejected = post_json(client, "/s/", [bad])
    assert rejected.status_code == 400
    code = rejected.json()["code"]
    assert client.get("/api/projects/1/session_recordings/").status_code == 401
    backlog = scrape(client)
    with override_settings(**STORAGE_OUTAGE):
        live_buffers_flush_due(force=True)
    live_buffers_flush_due(force=True)
    after = scrape(client)

    assert moved(before, backlog, "capture_requests_total{code=ok,status=200}") == 1
    assert moved(before, backlog, f"capture_requests_total{{code={code},status=400}}") == 1
    assert moved(before, backlog, f"capture_rejected_items_total{{code={code}}}") == 1
    assert backlog["live_buffer_up{}"] == 1
    assert backlog["live_buffer_sessions{}"] == 1
    assert backlog["live_buffer_bytes{}"] > 0
    assert backlog["live_buffer_oldest_age_seconds{}"] >= 0
    assert moved(before, after, "snapshot_flushes_total{status=failed}") == 1
    assert moved(before, after, "snapshot_flushes_total{status=flushed}") == 1
    assert moved(before, after, "snapshot_flush_lag_seconds_count{}") == 1
    assert moved(before, after, "object_storage_errors_total{operation=put}") == 1
    assert after["live_buffer_sessions{}"] == 0
    route = "projects:session_recordings-list"
    api_route = f"http_request_duration_seconds_count{{method=GET,route={route},status=401}}"
    assert moved(before, after, api_route) == 1


def test_metrics_are_off_in_production_without_a_token(client: Client) -> None:
    response = client.get("/metrics")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@override_settings(METRICS_TOKEN=METRICS_TOKEN)
def test_metrics_need_the_token_when_one_is_set(client: Client) -> None:
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    missing = client.get("/metrics")

    assert wrong.status_code == missing.status_code == 401
    assert wrong["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert wrong.json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.",
        "attr": None,
    }


@override_settings(DEBUG=True)
def test_metrics_are_open_in_development(client: Client) -> None:
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert b"# TYPE capture_requests_total counter" in response.content


# --- probes answer whatever the host ----------------------------------------------------------------


@override_settings(ALLOWED_HOSTS=["replay.example.com"], SECURE_SSL_REDIRECT=True)
def test_probes_answer_any_host_over_plain_http(client: Client) -> None:
    health = client.get("/_health", HTTP_HOST="127.0.0.1:8000")
    ready = client.get("/_readyz", HTTP_HOST="web:8000")
    other = client.get("/api/schema/", HTTP_HOST="127.0.0.1:8000")

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200, ready.content
    assert other.status_code == 400  # everything else still checks the host
