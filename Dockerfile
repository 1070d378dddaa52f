# Production image for ideology_office: one image, three roles (web / worker / beat),
# chosen by the command docker-compose.yml gives each service.
# Two stages: `build` turns uv.lock into wheels and installs them into a virtualenv; `runtime`
# receives only that virtualenv and the application source — no uv, no pip, no compilers,
# no tests, no bench (.dockerignore), no dev dependencies.
# Works with the classic builder too (no BuildKit-only syntax such as RUN --mount or COPY --chmod).

# ---------------------------------------------------------------------------------------------
FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

# The same uv as the Makefile uses; it stays in this stage.
RUN pip install "uv==0.13.9"

WORKDIR /build
COPY pyproject.toml uv.lock ./

# 1. uv exports exactly the locked runtime dependencies (--frozen: never re-resolve; --no-dev:
#    no pytest, playwright, linters) with their hashes.
# 2. Every one becomes a wheel in /wheels (downloaded as published, or built once here from an
#    sdist), checked against the lock's hashes.
# 3. uv installs only those wheels, offline, into the virtualenv the runtime stage copies, with
#    their bytecode compiled: the runtime never writes .pyc files (PYTHONDONTWRITEBYTECODE, and the
#    code is read-only to the app user), so without it every gunicorn worker, Celery process and
#    cron command would compile some 1,100 modules at each start (1.4 s; bench/README-signoffs.md).
RUN uv export --frozen --no-dev --no-emit-project --format requirements-txt --output-file requirements.txt \
 && pip wheel --require-hashes --no-deps --wheel-dir /wheels -r requirements.txt \
 && uv venv /app/.venv --python /usr/local/bin/python3.11 \
 && uv pip install --python /app/.venv/bin/python --no-index --no-deps --compile-bytecode /wheels/*.whl

# ---------------------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=ideology_office.settings.production

# Unprivileged runtime user; the application code stays owned by root (read-only to the app).
RUN groupadd --system app \
 && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# pg_dump / pg_restore for `manage.py backup` and `restore` (Debian bookworm's client is 15, the
# same major version as the postgres service). Then the base image's own installer goes: nothing
# in this image installs packages at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && python -m pip uninstall --yes pip setuptools wheel \
 && rm -f /usr/local/bin/pip /usr/local/bin/pip3 /usr/local/bin/pip3.11

WORKDIR /app

# The virtualenv of the build stage: the locked runtime wheels only (same base image, so the same
# /usr/local/bin/python3.11 it points to).
COPY --from=build /app/.venv /app/.venv

# Application source (.dockerignore keeps tests, bench, .tools, .venv, var/, .git, caches and
# secrets out).
COPY . .

# Static files are collected into the image (STATIC_ROOT=/app/var/staticfiles) and served by whitenoise.
# Throw-away values only so the production settings import; nothing is connected to at build time.
# The compiled .mo catalogues are committed, so no compilemessages step. The application's own
# bytecode is compiled here too, as the virtualenv's was in the build stage.
RUN SECRET_KEY=collectstatic-only-not-a-real-key \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    CELERY_BROKER_URL=memory:// \
    REDIS_URL=redis://localhost:6379/1 \
    python manage.py collectstatic --noinput \
 && python -m compileall -q -x '/app/\.venv/' /app \
 && chmod 0755 docker/entrypoint-web.sh \
 && mkdir -p /app/var/media /backups \
 && chown app:app /app/var /app/var/media /backups
# /app/var is writable by app for the celery beat schedule (/app/var/celerybeat-schedule) and
# heartbeat (/app/var/beat-heartbeat); /app/var/media is the mount point of the private uploads
# volume (a new named volume copies this directory's ownership, so uploads are writable by app).
# Never serve MEDIA_ROOT publicly.

USER app

EXPOSE 8000

# No image-level HEALTHCHECK: worker and beat run from this same image and do not listen on 8000.
# Each service's health check lives in docker-compose.yml.
CMD ["/app/docker/entrypoint-web.sh"]
