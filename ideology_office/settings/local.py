"""Development: base settings with DEBUG on unless the environment says otherwise.

The default of manage.py and the Celery app, so that commands on a developer's machine need no
environment. Production always names ideology_office.settings.production (wsgi, Dockerfile,
docker-compose), where DEBUG is off and SECRET_KEY is required.
"""

import os

os.environ.setdefault("DEBUG", "True")

from .base import *  # noqa: E402,F403

# Development conveniences, not for production: a superuser may be created (createsuperuser), and
# the demo's leaders sign in without a second factor unless OTP_REQUIRED_ROLES is set.
ALLOW_SUPERUSER = True
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=[])  # noqa: F405
