#!/bin/sh
# Web container start: apply migrations, then hand PID 1 to gunicorn so it receives
# docker's SIGTERM directly and shuts down gracefully.
# Only the web service migrates; worker and beat wait for web to be healthy.
# Run a single web replica when a release contains migrations (concurrent migrate runs race).
set -eu

python manage.py migrate --noinput

exec gunicorn ideology_office.wsgi:application \
    --bind 0.0.0.0:8000 \
    --workers "${GUNICORN_WORKERS:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-120}" \
    --access-logfile -
