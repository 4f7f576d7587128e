"""Object storage for immutable snapshot blobs: one interface, S3 and local-filesystem drivers."""
