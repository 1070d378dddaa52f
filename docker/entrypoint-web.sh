#!/bin/sh
# Web container start: apply migrations, then hand PID 1 to gunicorn so it receives
# docker's SIGTERM directly and shuts down gracefully.
# Only the web service migrates; worker and beat wait for web to be healthy.
# Run a single web replica when a release contains migrations (concurrent migrate runs race).
set -eu

python manage.py migrate --noinput

# The timeout is gunicorn's default (30 s): no request needs more since the ledgers too large to
# write within a request (the year's archive took ~30 s at county scale) are written by the worker
# (reports.run_ledger_export); a request still running after 30 s is stuck and its worker is
# restarted rather than held.
# Workers: gunicorn's own recommendation, (2 × cores) + 1, unless GUNICORN_WORKERS says otherwise.
# A sync worker waits while PostgreSQL answers; with only one per core plus one, a long page (the
# dashboard after a write) held the others' requests in the queue: on two cores at 200 users the
# pages' p95 fell from 963 to 687 ms going from 3 to 5 workers in two runs back to back
# (bench/README-load.md, 7 Dec 2026; the machine's own speed moved later runs more than that).
exec gunicorn ideology_office.wsgi:application \
    --bind 0.0.0.0:8000 \
    --workers "${GUNICORN_WORKERS:-$((2 * $(nproc) + 1))}" \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --access-logfile -
