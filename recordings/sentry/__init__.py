"""The Sentry face's replay endpoints over the same recordings (``/api/0/…``).

``replay_object`` is Sentry's replay object (the seed's attributes plus today's extras);
``browse_params`` validates the browse parameters; ``selectors`` reads recordings for them
through the metric registry and the search language (the Sentry face's fields); ``browse`` is
``GET /api/0/organizations/{org}/replays/``. The tenancy, errors and pagination are the core's
(``recordings_api.sentry``).
"""
