"""The Sentry SDK adapter: ``POST /api/{environment_id}/envelope/`` (and ``/store/``).

The same pipeline as posthog-js capture (``snapshots.ingestion``): the view authenticates the
client key (``keys``, a process cache), decodes the body (``encoding``), parses the envelope
(``envelope``: framing only) and its items (``items``: ``replay_event``, ``replay_recording``,
``event``, ``transaction``; ``breadcrumbs`` turns click breadcrumbs into click rows), and
``build`` turns them into buffer lines and records per partition, handed to
``LiveBuffer.ingest`` in one round trip before the 200. The aggregators fold them into
recordings (``recordings.services.replays``). Nothing here touches the database.
"""
