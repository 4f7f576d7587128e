from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "recordings"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from recordings import tasks  # noqa: F401  (registers the tasks enqueued by name)
        from recordings.expressions import register_sqlite_functions

        # SQLite lacks a "number or NULL" conversion; install ours on every new connection.
        connection_created.connect(register_sqlite_functions, dispatch_uid="recordings_sqlite_functions")
