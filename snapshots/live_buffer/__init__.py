"""The live buffer: snapshot lines not yet flushed to object storage (Redis or the database)."""
