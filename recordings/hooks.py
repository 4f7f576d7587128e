"""What happens to a recording's data that other apps own, through hooks they register.

``recordings`` owns a recording's metadata, events, persons and viewed marks. Its snapshot data
(blobs, the live buffer, long-term copies) belongs to ``snapshots``, which registers a
``RecordingDataHook`` in its ``AppConfig.ready()``, the way apps register readiness checks. So
deleting or persisting a recording reaches that data without ``recordings`` importing the app
that stores it.

Contract of a hook:
- ``forget(environment_id, session_id)`` removes every piece of the session's data it owns. It is
  idempotent (a retried deletion finishes the job) and raises one of ``retryable`` when its
  backend is unavailable; the deletion task retries with backoff.
- ``persist(environment_id, session_id)`` (optional) writes the long-term copy a persisted
  recording keeps past retention; idempotent, raises one of ``retryable`` on an outage.
- ``flush(environment_id, session_id)`` (optional) writes the session's buffered data to
  durable storage now (the admin's "flush now") and returns what happened (``flushed``,
  ``empty``, ``locked``, ``failed``…); it never raises for an outage, it reports ``failed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SessionAction = Callable[[int, str], None]
SessionFlush = Callable[[int, str], str]


@dataclass(frozen=True)
class RecordingDataHook:
    name: str
    forget: SessionAction
    persist: SessionAction | None = None
    flush: SessionFlush | None = None
    retryable: tuple[type[Exception], ...] = ()


_HOOKS: dict[str, RecordingDataHook] = {}


def recording_data_hook_register(hook: RecordingDataHook) -> None:
    """Register (or replace, by name) the hook of one app's recording data."""
    _HOOKS[hook.name] = hook


def recording_data_hooks() -> list[RecordingDataHook]:
    return list(_HOOKS.values())


def retryable_errors() -> tuple[type[Exception], ...]:
    """Every exception type a registered hook declares retryable."""
    return tuple({error for hook in _HOOKS.values() for error in hook.retryable})


def recording_data_forget(*, environment_id: int, session_id: str) -> None:
    """Run every hook's ``forget`` (see the module contract)."""
    for hook in recording_data_hooks():
        hook.forget(environment_id, session_id)


def recording_data_persist(*, environment_id: int, session_id: str) -> None:
    """Run every hook's ``persist`` that exists (see the module contract)."""
    for hook in recording_data_hooks():
        if hook.persist is not None:
            hook.persist(environment_id, session_id)


def recording_data_flush(*, environment_id: int, session_id: str) -> list[str]:
    """Run every hook's ``flush`` that exists; the outcomes, in hook order."""
    flushes = [hook.flush for hook in recording_data_hooks() if hook.flush is not None]
    return [flush(environment_id, session_id) for flush in flushes]
