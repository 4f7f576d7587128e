"""Local-filesystem driver: the embedded default, the same keys as files under a directory.

Writes are atomic (temp file in the same directory, fsync, rename), so a reader never sees a
partial object and a crash leaves either the old object or none. Keys are split on ``/`` and
every part must be a plain name (no ``..``, no leading dot, no backslash or NUL), and the
resolved path must stay under the root: path traversal is impossible, a bad key is a
``ValueError``. ETags are derived from size and modification time; rewriting a key with
identical bytes (a retried flush) leaves the file, and so its ETag, untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from recordings_api.monitoring.metrics import OBJECT_STORAGE_ERRORS
from snapshots.storage.base import ObjectStream, RangeNotSatisfiable, StorageUnavailable, StoredObject

CHUNK_BYTES = 256 * 1024
_TEMP_PREFIX = ".tmp-"


def _unavailable(operation: str, error: OSError) -> StorageUnavailable:
    OBJECT_STORAGE_ERRORS.labels(operation=operation).inc()
    return StorageUnavailable(f"local object storage {operation} failed: {error}")


def _key_parts(key: str, *, allow_empty_last: bool = False) -> list[str]:
    parts = key.split("/")
    for index, part in enumerate(parts):
        if part == "" and allow_empty_last and index == len(parts) - 1:
            continue
        if not part or part.startswith(".") or "\\" in part or "\0" in part:
            raise ValueError(f"invalid object key: {key!r}")
    return parts


def _stored(key: str, stat: os.stat_result) -> StoredObject:
    return StoredObject(key=key, size=stat.st_size, etag=f"{stat.st_mtime_ns:x}-{stat.st_size:x}")


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*_key_parts(key))
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"invalid object key: {key!r}")
        return path

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        content_encoding: str | None = None,
    ) -> StoredObject:
        path = self._path(key)
        try:
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                return _stored(key, path.stat())
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp_name, path)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
            return _stored(key, path.stat())
        except OSError as error:
            raise _unavailable("put", error) from error

    def head(self, key: str) -> StoredObject | None:
        path = self._path(key)
        try:
            return _stored(key, path.stat()) if path.is_file() else None
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _unavailable("head", error) from error

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> ObjectStream | None:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as error:
            raise _unavailable("open", error) from error
        info = _stored(key, os.fstat(handle.fileno()))
        start, length = 0, info.size
        if byte_range is not None:
            start, end = byte_range
            if start >= info.size:
                handle.close()
                raise RangeNotSatisfiable(f"range {byte_range} not satisfiable for {key}")
            length = min(end, info.size - 1) - start + 1
            handle.seek(start)
        return ObjectStream(info=info, chunks=_FileChunks(handle, length))

    def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise ValueError("refusing to delete the whole store (empty prefix)")
        parts = _key_parts(prefix, allow_empty_last=True)
        directory = self.root.joinpath(*parts[:-1])
        deleted = 0
        try:
            for path in sorted(directory.rglob("*"), reverse=True):
                key = path.relative_to(self.root).as_posix()
                if path.is_file() and key.startswith(prefix):
                    path.unlink()
                    deleted += 1
                elif path.is_dir() and key.startswith(prefix.rstrip("/")) and not any(path.iterdir()):
                    path.rmdir()
        except FileNotFoundError:
            return deleted
        except OSError as error:
            raise _unavailable("delete_prefix", error) from error
        return deleted

    def prepare(self) -> bool:
        existed = self.root.is_dir()
        self.ping()
        return not existed

    def ping(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _unavailable("ping", error) from error
        if not os.access(self.root, os.W_OK):
            OBJECT_STORAGE_ERRORS.labels(operation="ping").inc()
            raise StorageUnavailable(f"local object storage directory {self.root} is not writable")


class _FileChunks:
    """Up to ``remaining`` bytes of an open file, in chunks; closes the file when done."""

    def __init__(self, handle: BinaryIO, remaining: int) -> None:
        self._handle = handle
        self._remaining = remaining

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._remaining <= 0:
            self.close()
            raise StopIteration
        try:
            chunk = self._handle.read(min(CHUNK_BYTES, self._remaining))
        except OSError as error:
            self.close()
            raise _unavailable("read", error) from error
        if not chunk:
            self.close()
            raise StopIteration
        self._remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        self._handle.close()
