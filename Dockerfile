# syntax=docker/dockerfile:1
# Three stages: the browser assets (npm, only here), the Python dependencies (a virtualenv), and
# the runtime image with neither node nor build tools. Base images are pinned to a version.

# --- browser assets: posthog-js and rrweb-player files the app serves (no node at run time) ----
FROM node:22.18.0-bookworm-slim AS browser-assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- Python dependencies, from pyproject.toml ---------------------------------------------------
FROM python:3.11.13-slim-bookworm AS python-dependencies
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml /build/pyproject.toml
RUN python -m venv /venv \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('/build/pyproject.toml', 'rb'))['project']['dependencies']))" > /build/requirements.txt \
    && /venv/bin/pip install -r /build/requirements.txt

# --- runtime ---------------------------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm AS runtime
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NODE_MODULES_DIR=/app/node_modules \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    PORT=8000
WORKDIR /app
COPY --from=python-dependencies /venv /venv
COPY --from=browser-assets /build/node_modules ./node_modules
COPY manage.py pyproject.toml ./
COPY config ./config
COPY recordings_api ./recordings_api
COPY recordings ./recordings
COPY snapshots ./snapshots
COPY playlists ./playlists
COPY sharing ./sharing
# Static files of the admin and the API docs, served by whitenoise (a build-time key only).
RUN DEBUG=1 SECRET_KEY=collectstatic-only ENV_FILE=/dev/null python manage.py collectstatic --noinput \
    && mkdir -p /tmp/prometheus && chown nobody /tmp/prometheus
USER nobody
EXPOSE 8000
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"]
