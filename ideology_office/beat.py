"""Celery beat's scheduler, with a heartbeat file for the container health check.

Beat listens on no port and answers no ping, so the only sign of life is that it keeps ticking:
after every tick (sending what is due) it touches ``settings.BEAT_HEARTBEAT_FILE``. A beat whose
loop is stuck (for example on a broker that accepts connections and never answers) stops touching
it, and docker-compose's health check sees the file grow old.
"""

from __future__ import annotations

import logging
from pathlib import Path

from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)


def touch_heartbeat() -> None:
    path = Path(settings.BEAT_HEARTBEAT_FILE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as error:
        # A heartbeat that cannot be written must not stop the schedule itself.
        logger.warning("beat: cannot touch the heartbeat file %s: %s", path, error)


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        touch_heartbeat()
        return interval
