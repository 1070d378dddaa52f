import datetime
import json
import socket
import threading
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from ideology_office.notifications.models import ReminderRule

from . import dossier_source  # noqa: F401 - registers the test source


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self):
        return [str(make_header(decode_header(message["Subject"]))) for message in self.messages]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port; Django's mail settings point at it."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    recorder.port = settings.EMAIL_PORT
    yield recorder
    controller.stop()


@pytest.fixture
def robot():
    """A local HTTP server standing in for the group robot; answers like WeCom/DingTalk."""
    received, headers = [], []

    class Handler(BaseHTTPRequestHandler):
        answer = {"errcode": 0, "errmsg": "ok"}

        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append((self.path, json.loads(self.rfile.read(length))))
            headers.append(dict(self.headers))
            body = json.dumps(Handler.answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {
        "url": f"http://127.0.0.1:{server.server_port}/robot/send?access_token=t",
        "received": received,
        "headers": headers,
        "handler": Handler,
    }
    server.shutdown()
    server.server_close()


@pytest.fixture
def dossier_rule(db):
    return ReminderRule.objects.create(
        key="testapp.dossier_deadline",
        source=dossier_source.KEY,
        name="测试记录到期",
        offsets="-3d,-1d,0d",
        overdue_every_days=2,
        escalate_after_days=3,
        channels="inbox,email",
    )


def local(year, month, day, hour=0, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))  # noqa: DTZ001 - made aware here


@pytest.fixture
def redis_server(tmp_path_factory):
    """A Redis of this test's own (free port, temporary directory), always stopped afterwards, and
    resumed first if the test froze it. The shared Redis on 6379 is never touched."""
    import shutil

    from tests.conftest import service_unavailable

    from .processes import RedisServer

    if shutil.which("redis-server") is None:
        service_unavailable("redis-server binary for the reliability tests")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
