"""Operations: JSON logs with a request id, Prometheus metrics, optional error reporting.

- ``logs``: the JSON formatter (every ``extra`` field kept) and the filter adding the request id.
- ``requests``: the middleware giving each request an id and one log line, and
  ``request_log_annotate`` for views to add fields (environment id, rejection reason) to it.
- ``metrics``: every metric of the service, declared once, and the collector registry.
- ``endpoints``: ``/_health``, ``/_readyz`` and ``/metrics`` answered before host validation.
- ``error_reporting``: Sentry, when ``SENTRY_DSN`` is set.
"""
