"""Ingestion services: capture items → live buffer lines, recording metadata, session events, persons."""
