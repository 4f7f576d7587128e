"""S3 driver: AWS or any S3-compatible endpoint (MinIO, moto server).

Path-style addressing (works with every endpoint, no bucket DNS), bounded connect/read
timeouts and a bounded number of attempts from settings. ``NoSuchKey``/404 is ``None``; every
other failure, including errors while a body is being streamed, is ``StorageUnavailable``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import boto3
import urllib3.exceptions
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from recordings_api.monitoring.metrics import OBJECT_STORAGE_ERRORS
from snapshots.storage.base import ObjectStream, RangeNotSatisfiable, StorageUnavailable, StoredObject

logger = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (BotoCoreError, urllib3.exceptions.HTTPError, OSError)


def _etag(value: str) -> str:
    return value.removeprefix("W/").strip('"')


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _unavailable(operation: str, key: str, error: BaseException) -> StorageUnavailable:
    logger.warning("object_storage_error", extra={"operation": operation, "key": key, "error": str(error)})
    OBJECT_STORAGE_ERRORS.labels(operation=operation).inc()
    return StorageUnavailable(f"object storage {operation} failed: {type(error).__name__}: {error}")


class S3BlobStore:
    def __init__(
        self,
        *,
        endpoint_url: str | None,
        bucket: str,
        region: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
    ) -> None:
        self.bucket = bucket
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            # Checksums only when the operation requires one: S3-compatible servers differ.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        content_encoding: str | None = None,
    ) -> StoredObject:
        extra = {"ContentEncoding": content_encoding} if content_encoding else {}
        try:
            response = self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, **extra
            )
        except (ClientError, *_TRANSPORT_ERRORS) as error:
            raise _unavailable("put", key, error) from error
        return StoredObject(key=key, size=len(data), etag=_etag(response["ETag"]))

    def head(self, key: str) -> StoredObject | None:
        try:
            response = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                return None
            raise _unavailable("head", key, error) from error
        except _TRANSPORT_ERRORS as error:
            raise _unavailable("head", key, error) from error
        return StoredObject(key=key, size=int(response["ContentLength"]), etag=_etag(response["ETag"]))

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> ObjectStream | None:
        extra = {"Range": f"bytes={byte_range[0]}-{byte_range[1]}"} if byte_range else {}
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key, **extra)
        except ClientError as error:
            code = _error_code(error)
            if code in _NOT_FOUND:
                return None
            if code == "InvalidRange":
                raise RangeNotSatisfiable(f"range {byte_range} not satisfiable for {key}") from error
            raise _unavailable("open", key, error) from error
        except _TRANSPORT_ERRORS as error:
            raise _unavailable("open", key, error) from error
        size = int(response["ContentLength"])
        if "ContentRange" in response:  # "bytes 0-9/58": the whole object's size follows the slash
            size = int(str(response["ContentRange"]).rsplit("/", 1)[1])
        info = StoredObject(key=key, size=size, etag=_etag(response["ETag"]))
        return ObjectStream(info=info, chunks=_BodyChunks(response["Body"], key))

    def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise ValueError("refusing to delete the whole bucket (empty prefix)")
        deleted = 0
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
                    deleted += len(keys)
        except (ClientError, *_TRANSPORT_ERRORS) as error:
            raise _unavailable("delete_prefix", prefix, error) from error
        return deleted

    def ping(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (ClientError, *_TRANSPORT_ERRORS) as error:
            raise _unavailable("ping", self.bucket, error) from error

    def prepare(self) -> bool:
        if self._bucket_exists():
            return False
        region = self._client.meta.region_name
        options: dict[str, Any] = {}
        if region not in (None, "us-east-1"):
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._client.create_bucket(Bucket=self.bucket, **options)
        except ClientError as error:
            if _error_code(error) in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                return False
            raise _unavailable("prepare", self.bucket, error) from error
        except _TRANSPORT_ERRORS as error:
            raise _unavailable("prepare", self.bucket, error) from error
        return True

    def _bucket_exists(self) -> bool:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _error_code(error) in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise _unavailable("prepare", self.bucket, error) from error
        except _TRANSPORT_ERRORS as error:
            raise _unavailable("prepare", self.bucket, error) from error
        return True


class _BodyChunks:
    """The body's chunks; transport errors mid-stream become ``StorageUnavailable``.

    A class rather than a generator so ``close()`` releases the connection even when iteration
    never started (a generator's ``finally`` would not run then).
    """

    def __init__(self, body: Any, key: str) -> None:
        self._body = body
        self._key = key
        self._chunks: Iterator[bytes] = body.iter_chunks(CHUNK_BYTES)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            self.close()
            raise
        except _TRANSPORT_ERRORS as error:
            self.close()
            raise _unavailable("read", self._key, error) from error

    def close(self) -> None:
        self._body.close()
