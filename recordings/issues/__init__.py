"""Issues: error events grouped by fingerprint (``recordings.grouping``), served on the Sentry face
as ``organizations/{org}/issues/`` so a client can find the ids ``replay-count`` takes."""
