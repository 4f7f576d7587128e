FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 NODE_MODULES_DIR=/app/node_modules
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY pyproject.toml README.md ./
COPY config ./config
COPY recordings_api ./recordings_api
COPY recordings ./recordings
COPY snapshots ./snapshots
COPY playlists ./playlists
COPY sharing ./sharing
COPY manage.py ./
RUN pip install --no-cache-dir .
RUN DEBUG=1 python manage.py collectstatic --noinput
USER nobody
EXPOSE 8000
