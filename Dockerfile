# Production image for ideology_office: one image, three roles (web / worker / beat),
# chosen by the command docker-compose.yml gives each service.
# Works with the classic builder too (no BuildKit-only syntax such as RUN --mount or COPY --chmod).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH="/app/.venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=ideology_office.settings.production

# Unprivileged runtime user; the application code stays owned by root (read-only to the app).
RUN groupadd --system app \
 && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# pg_dump / pg_restore for `manage.py backup` and `restore` (Debian bookworm's client is 15, the
# same major version as the postgres service).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*

# The same uv as the Makefile uses.
RUN pip install "uv==0.13.9"

# Dependencies first, so this layer is reused until pyproject.toml / uv.lock change.
# --frozen: install exactly uv.lock, never re-resolve; --no-dev: skip the dev group (pytest, playwright, ...).
# The project itself is not a package ([tool.uv] package = false), so there is nothing else to install.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# Application source (.dockerignore keeps .venv, var/, .git, caches and secrets out).
COPY . .

# Static files are collected into the image (STATIC_ROOT=/app/var/staticfiles) and served by whitenoise.
# Throw-away values only so the production settings import; nothing is connected to at build time.
# The compiled .mo catalogues are committed, so no compilemessages step.
RUN SECRET_KEY=collectstatic-only-not-a-real-key \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    CELERY_BROKER_URL=memory:// \
    REDIS_URL=redis://localhost:6379/1 \
    python manage.py collectstatic --noinput \
 && chmod 0755 docker/entrypoint-web.sh \
 && mkdir -p /app/var/media /backups \
 && chown app:app /app/var /app/var/media /backups
# /app/var is writable by app for the celery beat schedule (/app/var/celerybeat-schedule);
# /app/var/media is the mount point of the private uploads volume (a new named volume copies
# this directory's ownership, so uploads are writable by app). Never serve MEDIA_ROOT publicly.

USER app

EXPOSE 8000

# No image-level HEALTHCHECK: worker and beat run from this same image and do not listen on 8000.
# The web service's health check lives in docker-compose.yml.
CMD ["/app/docker/entrypoint-web.sh"]
