"""Settings for the session recordings service, read from the environment.

The defaults are the embedded mode: SQLite, object storage in a local directory, the live
buffer in the database and Celery tasks run in-process, so ``make run`` needs no daemon.
Setting ``DATABASE_URL``, ``REDIS_URL`` and ``OBJECT_STORAGE_*`` switches each integration to
its production backend. Missing required values fail at boot (``ImproperlyConfigured``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from config.env import env_bool, env_float, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Local .env (development checkouts) -------------------------------------------------------
# `make run` writes .env once (DEBUG=1, a generated SECRET_KEY: config/local_env.py) so that any
# manage.py command works in a checkout. Variables set in the environment win. The test suite
# never reads it, so a developer's local file cannot change what tests see.
if not env_bool("TESTING", False):
    load_dotenv(env_str("ENV_FILE", str(BASE_DIR / ".env")), override=False)
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")) or "")

# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("TESTING", False)
if DEBUG or TESTING:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-do-not-use-in-production") or ""
else:
    SECRET_KEY = env_required("SECRET_KEY", "it signs sessions; it must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
# PORT: where `make run` serves (default 8000); the default SITE_URL follows it.
PORT = env_int("PORT", 8000)
SITE_URL = (env_str("SITE_URL", f"http://127.0.0.1:{PORT}") or "").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "recordings_api",
    "recordings",
    "snapshots",
    "playlists",
    "sharing",
    "axes",
]

MIDDLEWARE = [
    # A request id and one log line per request; then the probes (/_health, /_readyz, /metrics),
    # answered before host validation and the HTTPS redirect (recordings_api.monitoring).
    "recordings_api.monitoring.requests.RequestObservabilityMiddleware",
    "recordings_api.monitoring.endpoints.ProbeEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "recordings_api.middleware.ApiErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "recordings_api.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
APPEND_SLASH = False
CSRF_FAILURE_VIEW = "recordings_api.errors.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static-files/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if DEBUG or TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
NODE_MODULES_DIR = Path(env_str("NODE_MODULES_DIR", str(BASE_DIR / "node_modules")) or "")

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}") or ""
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers proceed during a write and makes each commit cheap (no fsync of the whole
    # journal), which matters because throttles and the embedded live buffer write per request.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

# --- Redis, cache and Celery ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
REDIS_SOCKET_TIMEOUT_SECONDS = env_float("REDIS_SOCKET_TIMEOUT_SECONDS", 2.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Bounded: a Redis outage must become a prompt 503, not a hung worker. One immediate
            # retry on a connection error: after Redis restarts, every pooled connection is dead,
            # and each would otherwise fail one request.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "retry": Retry(NoBackoff(), 1),
                "retry_on_error": [RedisConnectionError],
            },
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_entries"}
    }

if TESTING:
    # Parallel test workers share one Redis: keep their cache entries (throttle budgets, flush
    # coordination locks) apart so one worker's tests never see another's.
    for _cache in CACHES.values():
        _cache["KEY_PREFIX"] = os.environ.get("PYTEST_XDIST_WORKER", "tests")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
# No broker: tasks run in-process. Tests run them in-process too, so that what a task does is
# asserted right after the request that enqueued it (the broker itself is Celery's concern).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL or env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The one schedule: run by Celery beat with a broker, by the embedded scheduler of the web
# process without one (recordings_api.scheduler). Interval schedules (seconds) only.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # A fallback behind the run_aggregator processes (and the only drainer in embedded mode).
    "drain-ingest-log": {
        "task": "snapshots.tasks.drain_ingest_log",
        "schedule": 2.0,
        "options": {"expires": 2.0},
    },
    "flush-due-live-buffers": {"task": "snapshots.tasks.flush_due_live_buffers", "schedule": 15.0},
    "refresh-saved-filters-counts": {
        "task": "playlists.tasks.refresh_saved_filters_counts",
        "schedule": 300.0,
    },
    "purge-expired-recordings": {"task": "recordings.tasks.recordings_expired_purge", "schedule": 3600.0},
    "prune-ingested-blocks": {"task": "recordings.tasks.ingested_blocks_prune", "schedule": 3600.0},
    "prune-recording-elements": {"task": "recordings.tasks.recording_elements_prune", "schedule": 900.0},
}

# --- Object storage -------------------------------------------------------------------------
OBJECT_STORAGE_ENDPOINT = env_str("OBJECT_STORAGE_ENDPOINT")
OBJECT_STORAGE_BUCKET = env_str("OBJECT_STORAGE_BUCKET")
OBJECT_STORAGE_ACCESS_KEY_ID = env_str("OBJECT_STORAGE_ACCESS_KEY_ID")
OBJECT_STORAGE_SECRET_ACCESS_KEY = env_str("OBJECT_STORAGE_SECRET_ACCESS_KEY")
OBJECT_STORAGE_REGION = env_str("OBJECT_STORAGE_REGION", "us-east-1")
OBJECT_STORAGE_LOCAL_DIR = Path(env_str("OBJECT_STORAGE_LOCAL_DIR", str(VAR_DIR / "object_storage")) or "")
OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS = env_float("OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS", 2.0)
OBJECT_STORAGE_READ_TIMEOUT_SECONDS = env_float("OBJECT_STORAGE_READ_TIMEOUT_SECONDS", 10.0)
OBJECT_STORAGE_MAX_ATTEMPTS = env_int("OBJECT_STORAGE_MAX_ATTEMPTS", 3)
if bool(OBJECT_STORAGE_ENDPOINT) != bool(OBJECT_STORAGE_BUCKET):
    raise ImproperlyConfigured(
        "OBJECT_STORAGE_ENDPOINT and OBJECT_STORAGE_BUCKET must be set together "
        "(leave both unset for local object storage under var/object_storage/)."
    )

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_RENDERER_CLASSES": [
        "recordings_api.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "recordings_api.renderers.OrjsonParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "recordings_api.authentication.PersonalAPIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["recordings_api.throttles.PersonalAPIKeyRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "recordings_api.pagination.LimitOffsetPagination",
    "DEFAULT_SCHEMA_CLASS": "recordings_api.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "recordings_api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
}

# Authenticators yielding a resource grant (recordings_api.grants.ResourceGrant), tried first on
# viewsets that declare grant_enabled_actions.
RESOURCE_GRANT_AUTHENTICATION_CLASSES = env_list(
    "RESOURCE_GRANT_AUTHENTICATION_CLASSES", ["sharing.authentication.SharingAccessTokenAuthentication"]
)

# Throttle budgets per personal API key ("N/second|minute|hour|day"). Snapshots have their
# own, lower budget; sharing tokens have a per-token one.
API_THROTTLE_RATES = {
    "burst": env_str("THROTTLE_BURST", "480/minute"),
    "sustained": env_str("THROTTLE_SUSTAINED", "4800/hour"),
    "snapshots_burst": env_str("THROTTLE_SNAPSHOTS_BURST", "120/minute"),
    "snapshots_sustained": env_str("THROTTLE_SNAPSHOTS_SUSTAINED", "600/hour"),
    "sharing_token": env_str("THROTTLE_SHARING_TOKEN", "600/minute"),
    # Invalid personal keys and sharing tokens per client address, then 429 for a while.
    "auth_failures": env_str("THROTTLE_AUTH_FAILURES", "100/minute"),
    # Capture requests per project token (e.g. "6000/minute"); unset: unlimited.
    "capture_token": env_str("THROTTLE_CAPTURE_TOKEN"),
    # Password attempts on one password-protected share, from anyone.
    "share_password": env_str("THROTTLE_SHARE_PASSWORD", "10/minute"),
}
# Proxies in front of the app that append the client address to X-Forwarded-For (1 behind the
# compose proxy). 0: REMOTE_ADDR is the client, and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
PERSONAL_API_KEY_LAST_USED_RESOLUTION_SECONDS = 3600
PAGINATION_DEFAULT_LIMIT = env_int("PAGINATION_DEFAULT_LIMIT", 100)
PAGINATION_MAX_LIMIT = env_int("PAGINATION_MAX_LIMIT", 1000)
# Recordings lists count exactly up to this many matches, then estimate (recordings.counting).
RECORDINGS_COUNT_EXACT_LIMIT = env_int("RECORDINGS_COUNT_EXACT_LIMIT", 10_000)
# ... and only as long as PostgreSQL counts them within this many milliseconds.
RECORDINGS_COUNT_BUDGET_MS = env_int("RECORDINGS_COUNT_BUDGET_MS", 50)
# The planner's estimates are kept this long per process and statement (0: planned every time).
RECORDINGS_COUNT_ESTIMATE_SECONDS = env_int("RECORDINGS_COUNT_ESTIMATE_SECONDS", 30)

SPECTACULAR_SETTINGS = {
    "TITLE": "Session recordings API",
    "DESCRIPTION": (
        "A self-hostable backend for PostHog's session recordings API. Authenticate with a "
        "personal API key: `Authorization: Bearer phx_…`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # System fonts: the Redoc page loads nothing from outside this host (recordings_api/redoc.html).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
                "code": {"fontFamily": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"},
            }
        }
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # The document promises JSON bodies only: nested fields (action steps, playlist filters, id
    # arrays, sharing settings) have no form encoding. The form parsers above stay for clients
    # that post flat forms (tests/recordings/test_form_bodies.py); they are not part of the contract.
    "PARSER_WHITELIST": ["recordings_api.renderers.OrjsonParser"],
    "SCHEMA_PATH_PREFIX": r"/api/(projects|environments)/\{[a-z_]+\}",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {},
    # The capture endpoints (plain Django views) are added to the document under their own tag.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "snapshots.capture.openapi.capture_paths_add",
        "snapshots.capture.sentry.openapi.sentry_paths_add",
        # The Sentry face's tags carry its conventions and the scope mapping.
        "recordings_api.sentry.openapi.sentry_tags_describe",
        "recordings_api.sentry.openapi.sentry_query_strings_describe",
    ],
}

# --- Recordings ingestion and retention -----------------------------------------------------
RECORDINGS_DEFAULT_RETENTION_DAYS = env_int("RECORDINGS_DEFAULT_RETENTION_DAYS", 30)
CAPTURE_MAX_BODY_BYTES = env_int("CAPTURE_MAX_BODY_BYTES", 20 * 1024 * 1024)
# One request's events, and sessions with snapshots (posthog-js sends one session per request).
CAPTURE_MAX_ITEMS = env_int("CAPTURE_MAX_ITEMS", 10_000)
CAPTURE_MAX_SESSIONS = env_int("CAPTURE_MAX_SESSIONS", 100)
# Origins whose pages may send capture data ("https://shop.example,https://app.example"); "*" any.
# Capture responses never allow credentials.
CAPTURE_ALLOWED_ORIGINS = [origin.rstrip("/") for origin in env_list("CAPTURE_ALLOWED_ORIGINS", ["*"])]
# Values a capture body's JSON may hold (counted before parsing; see snapshots.capture.decoding).
CAPTURE_MAX_JSON_NODES = env_int("CAPTURE_MAX_JSON_NODES", 600_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = CAPTURE_MAX_BODY_BYTES
LIVE_BUFFER_FLUSH_IDLE_SECONDS = env_int("LIVE_BUFFER_FLUSH_IDLE_SECONDS", 60)
LIVE_BUFFER_FLUSH_AGE_SECONDS = env_int("LIVE_BUFFER_FLUSH_AGE_SECONDS", 600)
LIVE_BUFFER_FLUSH_MAX_BYTES = env_int("LIVE_BUFFER_FLUSH_MAX_BYTES", 10 * 1024 * 1024)
# Sessions a flusher reads, compresses and uploads at once (gzip and boto3 release the GIL).
LIVE_BUFFER_FLUSH_CONCURRENCY = env_int("LIVE_BUFFER_FLUSH_CONCURRENCY", 4)
LIVE_BUFFER_TTL_SECONDS = env_int("LIVE_BUFFER_TTL_SECONDS", 3 * 24 * 3600)
# The live buffer and ingest log may live on their own Redis (or Redis Cluster); unset, they
# follow REDIS_URL. Sessions hash into LIVE_BUFFER_PARTITIONS partitions, each with its own
# stream and hash tag: fix it before the first recording (changing it strands buffered data).
LIVE_BUFFER_REDIS_URL = env_str("LIVE_BUFFER_REDIS_URL")
LIVE_BUFFER_REDIS_CLUSTER = env_bool("LIVE_BUFFER_REDIS_CLUSTER", False)
LIVE_BUFFER_PARTITIONS = env_int("LIVE_BUFFER_PARTITIONS", 16)
# Aggregators: entries per batch, how long a received entry may stay unacknowledged before
# another aggregator takes it over (its consumer is presumed dead), and the poll interval.
AGGREGATOR_BATCH_SIZE = env_int("AGGREGATOR_BATCH_SIZE", 500)
AGGREGATOR_RECLAIM_IDLE_SECONDS = env_int("AGGREGATOR_RECLAIM_IDLE_SECONDS", 60)
AGGREGATOR_POLL_SECONDS = env_float("AGGREGATOR_POLL_SECONDS", 0.1)
AGGREGATOR_HEARTBEAT_FILE = env_str("AGGREGATOR_HEARTBEAT_FILE")  # touched every round (healthcheck)
SHARING_TOKEN_GRACE_SECONDS = env_int("SHARING_TOKEN_GRACE_SECONDS", 300)
# Where bootstrap_demo keeps its demo key's plaintext (git-ignored var/), so it is reused.
DEMO_API_KEY_FILE = Path(env_str("DEMO_API_KEY_FILE", str(VAR_DIR / "demo_api_key")) or "")

# --- Admin login lockout (django-axes) -----------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords from one address, or for one user, logins are refused
# with 429 for AXES_COOLOFF_HOURS. Unlock: `manage.py axes_reset_username <email>` or
# `manage.py axes_reset_ip <address>` (`axes_reset` clears every lockout).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 1.0)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the admin form's field (it holds the email)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)

# --- Readiness probe ------------------------------------------------------------------------
# /_readyz waits this long for all its checks together; the reasons of failures are shown only
# in DEBUG or to a caller presenting READINESS_TOKEN as a Bearer token.
READINESS_TIMEOUT_SECONDS = env_float("READINESS_TIMEOUT_SECONDS", 2.0)
READINESS_TOKEN = env_str("READINESS_TOKEN")

# --- Sentry SDK ingestion (POST /api/{environment_id}/envelope/) ------------------------------
# Size caps (413 beyond): the envelope body as sent, and after its Content-Encoding; an event
# item; a replay_recording item as sent (compressed) and decompressed. Relay's defaults are
# 1 MiB per event and 10 MiB per compressed replay item; the SDK itself stops a replay whose
# uncompressed segment passes ~20 MB, so 40 MiB decompressed leaves room without inviting bombs.
SENTRY_ENVELOPE_MAX_BYTES = env_int("SENTRY_ENVELOPE_MAX_BYTES", 20 * 1024 * 1024)
SENTRY_ENVELOPE_MAX_DECODED_BYTES = env_int("SENTRY_ENVELOPE_MAX_DECODED_BYTES", 50 * 1024 * 1024)
SENTRY_EVENT_MAX_BYTES = env_int("SENTRY_EVENT_MAX_BYTES", 1024 * 1024)
SENTRY_REPLAY_ITEM_MAX_BYTES = env_int("SENTRY_REPLAY_ITEM_MAX_BYTES", 10 * 1024 * 1024)
SENTRY_REPLAY_MAX_DECOMPRESSED_BYTES = env_int("SENTRY_REPLAY_MAX_DECOMPRESSED_BYTES", 40 * 1024 * 1024)
# A ``{{auto}}`` / ``infer_ip`` user IP becomes the client address (TRUSTED_PROXY_COUNT applies).
# posthog-js clicks resolve against an index of each live session's recorded DOM; entries not
# refreshed for this long are pruned (posthog-js re-sends the whole DOM every 5 minutes).
RECORDING_ELEMENT_TTL_SECONDS = env_int("RECORDING_ELEMENT_TTL_SECONDS", 3600)

# --- Logging ----------------------------------------------------------------------------------
# One JSON object per line with every `extra` field and the request id (recordings_api.monitoring),
# credentials redacted from the whole line (recordings_api.redaction). Django's and gunicorn's
# loggers write through the same handler. RequestObservabilityMiddleware logs each request once,
# so Django's per-request lines are off: django.request keeps only 5xx (with their traceback),
# django.server (runserver) is silent.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
_OWN_HANDLER = {"handlers": ["console"], "propagate": False}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "recordings_api.monitoring.logs.RequestContextFilter"}},
    "formatters": {"json": {"()": "recordings_api.monitoring.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": _OWN_HANDLER,
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "gunicorn.access": _OWN_HANDLER,
        "gunicorn.error": _OWN_HANDLER,
        "celery": {"level": LOG_LEVEL},
        # Without a broker the embedded scheduler runs the periodic tasks in process every few
        # seconds; a line per successful run would drown the log (failures are still logged).
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else LOG_LEVEL},
        "axes": {"level": "WARNING"},  # it logs every start and login at INFO
    },
}

# --- Metrics and error reporting -----------------------------------------------------------------
# /metrics (Prometheus): open when DEBUG is on, else only with `Authorization: Bearer METRICS_TOKEN`,
# else off (404). PROMETHEUS_MULTIPROC_DIR (set by the Docker image) aggregates every worker.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Celery workers serve their own counters (flushes, storage errors) on this port; unset: not served.
CELERY_METRICS_PORT = env_int("CELERY_METRICS_PORT", 0)
SENTRY_DSN = env_str("SENTRY_DSN")
if not TESTING:
    from recordings_api.monitoring.error_reporting import error_reporting_init

    error_reporting_init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production") or "",
        release=env_str("SENTRY_RELEASE"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )

# --- Security (HTTPS deployments) ----------------------------------------------------------------
# Off by default so `make run` and plain-HTTP setups work; `.env.example` documents the production
# values, with which `manage.py check --deploy` is clean (CI checks it).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (only then: a client could forge it).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
