"""Settings of the load test (bench/load.py): the production settings, served over plain HTTP on
127.0.0.1, with the bench URLconf. Exactly these differ from ``ideology_office.settings.production``:

* ``SECURE_SSL_REDIRECT = False``: no TLS here (docker-compose allows the same for a localhost
  trial with the environment variable ``SECURE_SSL_REDIRECT=False``);
* ``SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False``: over plain HTTP a client does not send
  ``Secure`` cookies back, so no one could stay signed in;
* ``ROOT_URLCONF = "bench.bare_urls"``: the product's URLconf plus ``/__bench__/ok``, the bare
  view behind the same middleware, so that its requests/s are measured by the same gunicorn.

Everything else (DEBUG off, HSTS header, the sign-in policy with the second factor, django-axes,
the idle timeout, CSRF, the Redis cache and broker, CONN_MAX_AGE) is production's, from the same
environment variables docker-compose.yml sets.
"""

from ideology_office.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ROOT_URLCONF = "bench.bare_urls"
