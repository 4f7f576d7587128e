"""The snapshots endpoint: ``…/session_recordings/{id}/snapshots`` (two-phase protocol)."""
