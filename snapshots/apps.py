from django.apps import AppConfig


def live_buffer_ready() -> None:
    """Readiness: the live buffer backend answers (Redis PING or a database query)."""
    from snapshots.live_buffer import get_live_buffer

    get_live_buffer().ping()


def object_storage_ready() -> None:
    """Readiness: the bucket (or local directory) is reachable and usable."""
    from snapshots.storage import get_blob_store

    get_blob_store(probe=True).ping()


def session_flush_now(environment_id: int, session_id: str) -> str:
    """The recordings admin's "flush now": one session's buffer to object storage, reported like
    the scheduled flush (counted, a failure logged)."""
    from snapshots.flush.scheduling import flush_session_reporting

    return flush_session_reporting(environment_id=environment_id, session_id=session_id).status


class SnapshotsConfig(AppConfig):
    name = "snapshots"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from recordings.hooks import RecordingDataHook, recording_data_hook_register
        from recordings_api.health import readiness_check_register
        from recordings_api.models import Environment, SentryClientKey
        from recordings_api.monitoring.metrics import LiveBufferBacklogCollector, metrics_collector_register
        from snapshots.ingestion.tokens import environment_tokens_changed
        from snapshots.live_buffer import LiveBufferUnavailable, get_live_buffer
        from snapshots.long_term import session_snapshots_persist
        from snapshots.services import session_snapshots_delete
        from snapshots.storage import StorageUnavailable

        # Capture resolves project tokens from a per-process cache; any change invalidates it.
        for signal in (post_save, post_delete):
            signal.connect(environment_tokens_changed, sender=Environment, dispatch_uid=f"tokens-{signal}")
            signal.connect(
                environment_tokens_changed, sender=SentryClientKey, dispatch_uid=f"sentry-keys-{signal}"
            )
        metrics_collector_register(LiveBufferBacklogCollector(lambda: get_live_buffer().sessions_stats()))
        readiness_check_register("live_buffer", live_buffer_ready)
        readiness_check_register("object_storage", object_storage_ready)
        recording_data_hook_register(
            RecordingDataHook(
                name="snapshots",
                forget=lambda environment_id, session_id: session_snapshots_delete(
                    environment_id=environment_id, session_id=session_id
                ),
                flush=session_flush_now,
                persist=lambda environment_id, session_id: session_snapshots_persist(
                    environment_id=environment_id, session_id=session_id
                ),
                retryable=(StorageUnavailable, LiveBufferUnavailable),
            )
        )
