"""One stored blob as an HTTP response: 304, 416, HEAD, or the (ranged) body streamed from storage.

A blob has two representations: its JSONL (identity, gunzipped while streaming) and the stored
gzip bytes passed through untouched (``Content-Encoding: gzip``), chosen by ``Accept-Encoding``.
Each has its own strong ETag (``"{etag}"`` / ``"{etag}-gz"``), size and byte ranges
(RFC 9110 §8.8.3, §14), and every response says ``Vary: Accept-Encoding``. Blobs are immutable,
so 200/206/304 carry a year-long private ``Cache-Control``.

Failure modes: object storage down or timing out before the first byte → 503 with Retry-After;
row without object → 404; object disagreeing with its row (size, range, corrupt gzip) → 500.
After the headers, any failure raises out of the body so the server aborts the connection
(``blob_http.exact_length`` guarantees a short or overlong body never ends cleanly).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, HttpResponseBase, HttpResponseNotModified, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings_api.errors import ServiceUnavailable, error_body
from snapshots.api import blob_http
from snapshots.models import RecordingBlob
from snapshots.selectors import snapshot_blob_open, snapshot_blob_stat
from snapshots.storage import ObjectStream, RangeNotSatisfiable, StorageUnavailable

logger = logging.getLogger(__name__)

BLOB_CACHE_CONTROL = "private, max-age=31536000, immutable"
JSON = "application/json"
STORAGE_DOWN = "Object storage is unavailable; the recording's data could not be read. Try again shortly."


class BlobInconsistent(APIException):
    """The stored object does not match its ``RecordingBlob`` row (size, range, gzip data)."""

    status_code = 500
    default_detail = "The recording's stored data does not match what was recorded about it."
    default_code = "snapshot_blob_inconsistent"


class BlobResponder:
    """Builds the response to a GET or HEAD of ``blob``; see the module docstring."""

    def __init__(self, request: Request, blob: RecordingBlob) -> None:
        self.request = request
        self.blob = blob
        self.gzip = blob_http.accepts_gzip(request.headers.get("Accept-Encoding"))
        self.size = blob.size_bytes if self.gzip else blob.uncompressed_size_bytes
        self.etag = f"{blob.etag}-gz" if self.gzip else blob.etag

    def respond(self) -> HttpResponseBase:
        """Conditionals first (§13.2.2: If-None-Match, then If-Range/Range), then the body."""
        headers = self.request.headers
        if blob_http.etag_matches(headers.get("If-None-Match"), self.etag):
            return self._not_modified()
        byte_range = None
        if blob_http.if_range_allows(headers.get("If-Range"), self.etag):
            try:
                byte_range = blob_http.range_parse(headers.get("Range"), self.size)
            except blob_http.RangeUnsatisfiable:
                return self._unsatisfiable()
        response = self._head(byte_range) if self.request.method == "HEAD" else self._streamed(byte_range)
        response["Content-Length"] = str(byte_range.length if byte_range else self.size)
        response["Content-Disposition"] = "inline"
        if byte_range is not None:
            response["Content-Range"] = byte_range.content_range(self.size)
        if self.gzip:
            response["Content-Encoding"] = "gzip"
        return self._cacheable(response)

    def _cacheable(self, response: HttpResponseBase) -> HttpResponseBase:
        response["ETag"] = f'"{self.etag}"'
        response["Cache-Control"] = BLOB_CACHE_CONTROL
        response["Accept-Ranges"] = "bytes"
        patch_vary_headers(response, ["Accept-Encoding"])
        return response

    def _not_modified(self) -> HttpResponseBase:
        response = HttpResponseNotModified()
        # §8.6: a 304 may state the length a 200 would have had, and nothing else (without
        # this, Django's CommonMiddleware would add "Content-Length: 0").
        response["Content-Length"] = str(self.size)
        return self._cacheable(response)

    def _unsatisfiable(self) -> HttpResponseBase:
        detail = f"The range starts past the end ({self.size} bytes)."
        body = error_body(type_="invalid_request", code="range_not_satisfiable", detail=detail)
        response = Response(body, status=416)
        response["Content-Range"] = f"bytes */{self.size}"
        response["Cache-Control"] = "no-store"  # an error, not the blob: never cache it
        response["Accept-Ranges"] = "bytes"
        patch_vary_headers(response, ["Accept-Encoding"])
        return response

    def _head(self, byte_range: blob_http.ByteRange | None) -> HttpResponseBase:
        """Headers only, but only for a blob GET would serve: the object must exist (§9.3.2)."""
        try:
            stored = snapshot_blob_stat(blob=self.blob)
        except StorageUnavailable as error:
            raise ServiceUnavailable(STORAGE_DOWN) from error
        if stored is None:
            raise self._missing()
        if stored.size != self.blob.size_bytes:
            raise self._inconsistent(f"object size {stored.size}")
        return HttpResponse(content_type=JSON, status=206 if byte_range else 200)

    def _streamed(self, byte_range: blob_http.ByteRange | None) -> StreamingHttpResponse:
        stream = self._open(byte_range)
        length = byte_range.length if byte_range else self.size
        chunks: Iterator[bytes] = iter(stream.chunks)
        close = stream.close
        if not self.gzip:
            # Gunzipping (zlib releases the GIL) runs ahead of the writes to the client; the
            # passthrough measured faster without the thread handoff (bench.snapshots).
            ahead = blob_http.ReadAhead(blob_http.decompressed(chunks, byte_range), close_source=close)
            chunks, close = ahead, ahead.close
        try:
            body = blob_http.PrefetchedBody(
                blob_http.exact_length(chunks, length), close=close, on_error=self._aborted
            )
        except StorageUnavailable as error:
            close()
            raise ServiceUnavailable(STORAGE_DOWN) from error
        except (zlib.error, blob_http.BodyLengthMismatch) as error:
            close()
            raise self._inconsistent(str(error)) from error
        content = blob_http.AsyncBody(body) if isinstance(self.request._request, ASGIRequest) else body
        return StreamingHttpResponse(content, content_type=JSON, status=206 if byte_range else 200)

    def _open(self, byte_range: blob_http.ByteRange | None) -> ObjectStream:
        """The stored bytes: all of them, or only the range when serving gzip (ranges of the
        identity representation are cut from the decompressed stream)."""
        storage_range = (byte_range.start, byte_range.end) if (self.gzip and byte_range) else None
        try:
            stream = snapshot_blob_open(blob=self.blob, byte_range=storage_range)
        except StorageUnavailable as error:
            raise ServiceUnavailable(STORAGE_DOWN) from error
        except RangeNotSatisfiable as error:
            raise self._inconsistent("range past the object's end") from error
        if stream is None:
            raise self._missing()
        if stream.info.size != self.blob.size_bytes:
            stream.close()
            raise self._inconsistent(f"object size {stream.info.size}")
        return stream

    def _log_fields(self) -> dict[str, object]:
        return {
            "blob_id": self.blob.pk,
            "environment_id": self.blob.environment_id,
            "session_id": self.blob.session_id,
            "blob_key": self.blob.blob_key,
        }

    def _missing(self) -> NotFound:
        logger.error("snapshot_blob_missing", extra=self._log_fields())
        return NotFound("Snapshot file not found")

    def _inconsistent(self, reason: str) -> BlobInconsistent:
        fields = {**self._log_fields(), "size_bytes": self.blob.size_bytes, "reason": reason}
        logger.error("snapshot_blob_inconsistent", extra=fields)
        return BlobInconsistent()

    def _aborted(self, error: Exception) -> None:
        fields = {**self._log_fields(), "gzip": self.gzip, "error": f"{type(error).__name__}: {error}"}
        logger.warning("snapshot_blob_stream_aborted", extra=fields)
