from django.apps import AppConfig


def live_buffer_ready() -> None:
    """Readiness: the live buffer backend answers (Redis PING or a database query)."""
    from snapshots.live_buffer import get_live_buffer

    get_live_buffer().ping()


def object_storage_ready() -> None:
    """Readiness: the bucket (or local directory) is reachable and usable."""
    from snapshots.storage import get_blob_store

    get_blob_store().ping()


class SnapshotsConfig(AppConfig):
    name = "snapshots"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from recordings.hooks import RecordingDataHook, recording_data_hook_register
        from recordings_api.health import readiness_check_register
        from recordings_api.models import Environment
        from snapshots.ingestion.tokens import environment_tokens_changed
        from snapshots.live_buffer import LiveBufferUnavailable
        from snapshots.long_term import session_snapshots_persist
        from snapshots.services import session_snapshots_delete
        from snapshots.storage import StorageUnavailable

        # Capture resolves project tokens from a per-process cache; any change invalidates it.
        for signal in (post_save, post_delete):
            signal.connect(environment_tokens_changed, sender=Environment, dispatch_uid=f"tokens-{signal}")
        readiness_check_register("live_buffer", live_buffer_ready)
        readiness_check_register("object_storage", object_storage_ready)
        recording_data_hook_register(
            RecordingDataHook(
                name="snapshots",
                forget=lambda environment_id, session_id: session_snapshots_delete(
                    environment_id=environment_id, session_id=session_id
                ),
                persist=lambda environment_id, session_id: session_snapshots_persist(
                    environment_id=environment_id, session_id=session_id
                ),
                retryable=(StorageUnavailable, LiveBufferUnavailable),
            )
        )
