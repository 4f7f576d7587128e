"""Comments on recordings (PostHog's ``Comment`` with ``scope: "Replay"``).

The model is ``recordings.models.RecordingComment``.
"""
