"""The office's Monday morning, for locust (started by bench/load.py, which documents it): leaders on
the dashboard and the report, staff listing, opening and saving study sessions and the progress of
their rectification task, reviewers signing from their queue, the duty officer writing the duty log,
one ledger download a minute, and a bare view beside them. Every user signs in as a synthetic person
of the county data through the real sign-in page (CSRF token read from the page, the office
leaders' six-digit code computed from the bench TOTP key), as a browser does; forms are read from
their page and posted back with one field changed, and a save counts as failed unless the page it
leads to says it was saved (and shows the new text where the record shows it).

Environment (set by bench/load.py): BENCH_PLAN (the cast, bench/load_plan.py), BENCH_PHASE ("mix"
or "bare"), BENCH_USERS, BENCH_SPAWN_RATE, BENCH_HOLD (seconds after the ramp), BENCH_RESULTS (where
every request's outcome is written as JSON when the run stops), BENCH_LEDGER_URL, BENCH_LEDGER
("one": each minute the next ledger of the page, the default; "all": each minute the archive of
every ledger).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import os
import random
import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import gevent
from locust import FastHttpUser, LoadTestShape, between, constant, constant_pacing, events, task

PLAN = json.loads(open(os.environ["BENCH_PLAN"], encoding="utf-8").read())
PHASE = os.environ.get("BENCH_PHASE", "mix")
USERS = int(os.environ.get("BENCH_USERS", "200"))
SPAWN_RATE = float(os.environ.get("BENCH_SPAWN_RATE", "2"))
HOLD = float(os.environ.get("BENCH_HOLD", "300"))
RESULTS = os.environ.get("BENCH_RESULTS", "")
LEDGER_URL = os.environ.get("BENCH_LEDGER_URL", "/reports/ledgers/?start=2023-01-01&end=2023-12-31")
LEDGER_EXPORT_URL = "/reports/ledgers/exports/"
LEDGER_MODE = os.environ.get("BENCH_LEDGER", "one")
# A ledger on the ledgers page: its direct download (at most LEDGER_EXPORT_ROW_THRESHOLD records),
# or the form asking the worker for it (a larger one, and "all").
OFFERED_LEDGER = re.compile(
    r'href="(?P<direct>/reports/ledgers/[\w-]+\.xlsx\?[^"]*)"|name="ledger" value="(?P<job>[\w-]+)"'
)
LEDGER_TURN = itertools.count()
YEAR = 2023
SECOND_FACTOR = frozenset(PLAN["second_factor"])
# Tasks left out of the mix (BENCH_EXCLUDE, comma-separated method names, e.g. save_session).
EXCLUDE = {name.strip() for name in os.environ.get("BENCH_EXCLUDE", "").split(",") if name.strip()}
THINK = between(5, 20)  # an office worker reads, types, answers the phone

# Every request's outcome, written to BENCH_RESULTS at the end: [seconds since start, name, ms, ok].
RECORDS: list = []
STARTED = time.time()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    RECORDS.append([round(time.time() - STARTED, 3), name, round(response_time, 2), exception is None])


@events.test_start.add_listener
def _start(**kwargs):
    global STARTED
    STARTED = time.time()


@events.quitting.add_listener
def _write(environment, **kwargs):
    if RESULTS:
        with open(RESULTS, "w", encoding="utf-8") as handle:
            json.dump({"phase": PHASE, "started": STARTED, "records": RECORDS}, handle)


# HTML forms, read as a browser reads them ------------------------------------------------------

ATTRIBUTE = re.compile(r"""([\w:.-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _attributes(text: str) -> dict:
    return {
        match.group(1).lower(): html.unescape(next((g for g in match.groups()[1:] if g is not None), ""))
        for match in ATTRIBUTE.finditer(text)
    }


def form_fields(page: str, action: str | None = None, marker: str | None = None) -> list[tuple[str, str]]:
    """The fields a browser would submit from the POST form whose action is ``action`` (or which
    contains ``marker``): inputs (checked boxes only, no files or buttons), textareas, and the
    selected options of selects (the first option when none is selected)."""
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", page, re.S | re.I):
        attrs, body = _attributes(match.group(1)), match.group(2)
        if action is not None and attrs.get("action") != action:
            continue
        if marker is not None and marker not in match.group(0):
            continue
        break
    else:
        raise LookupError(f"no form {action or marker}")
    fields = []
    for tag in re.finditer(r"<input\b([^>]*)>", body, re.I):
        field = _attributes(tag.group(1))
        kind = field.get("type", "text").lower()
        if "name" not in field or kind in ("file", "submit", "button", "image", "reset"):
            continue
        if kind in ("checkbox", "radio") and "checked" not in field:
            continue
        fields.append((field["name"], field.get("value", "on" if kind in ("checkbox", "radio") else "")))
    for area in re.finditer(r"<textarea\b([^>]*)>(.*?)</textarea>", body, re.S | re.I):
        field = _attributes(area.group(1))
        if "name" in field:
            text = html.unescape(area.group(2))
            fields.append((field["name"], text[1:] if text.startswith("\n") else text))
    for select in re.finditer(r"<select\b([^>]*)>(.*?)</select>", body, re.S | re.I):
        field = _attributes(select.group(1))
        if "name" not in field:
            continue
        options = [_attributes(option) for option in re.findall(r"<option\b([^>]*)>", select.group(2), re.I)]
        chosen = [option.get("value", "") for option in options if "selected" in option]
        if not chosen and options and "multiple" not in field:
            chosen = [options[0].get("value", "")]
        fields.extend((field["name"], value) for value in chosen)
    return fields


def replace(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    kept = [(name, value) for name, value in fields if name not in values]
    return kept + list(values.items())


def totp(key_hex: str, counter: int) -> str:
    """RFC 6238 (django-otp's TOTP: SHA-1, 30-second steps, six digits)."""
    mac = hmac.new(bytes.fromhex(key_hex), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


# django-otp refuses a code used before on the same device: one sign-in per account and step.
_LAST_STEP: dict[str, int] = {}


def _alert(page: str, kind: str) -> str | None:
    match = re.search(rf'class="alert alert-{kind}[^"]*"[^>]*>\s*(.*?)\s*<button', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


# Users ---------------------------------------------------------------------------------------------


class OfficeUser(FastHttpUser):
    abstract = True
    wait_time = THINK
    network_timeout = 180.0  # longer than gunicorn's timeout: a slow answer is measured, not cut
    connection_timeout = 60.0

    def account(self) -> str:
        raise NotImplementedError

    def on_start(self):
        self.username = self.account()
        self.second_factor = self.username in SECOND_FACTOR
        self.sign_in()

    def sign_in(self):
        page = self.page("/accounts/login/", "sign-in: page")
        fields = [
            ("csrfmiddlewaretoken", CSRF.search(page).group(1)),
            ("username", self.username),
            ("password", PLAN["password"]),
            ("next", "/"),
        ]
        self.post("/accounts/login/", fields, "sign-in: POST")
        if self.second_factor:
            page = self.page("/accounts/two-factor/verify/?next=/", "sign-in: second factor page")
            while True:
                step = int(time.time() // 30)
                if _LAST_STEP.get(self.username) != step:
                    break
                gevent.sleep(30 - time.time() % 30 + 0.5)
            _LAST_STEP[self.username] = step
            fields = [
                ("csrfmiddlewaretoken", CSRF.search(page).group(1)),
                ("token", totp(PLAN["totp_key"], step)),
            ]
            self.post("/accounts/two-factor/verify/?next=/", fields, "sign-in: second factor POST")

    def page(self, url: str, name: str) -> str:
        """A page that must answer 200 itself (a redirect to the sign-in page is a failure)."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
                return ""
            return response.text or ""

    def post(self, url: str, fields, name: str, *, check=None) -> str:
        """A form POST answered by a redirect (a re-rendered form is a failure); then the page it
        leads to, whose messages say whether the save was done. ``check(page)`` returns a
        failure text or None."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.host + url}
        with self.client.post(
            url,
            data=urlencode(fields),
            headers=headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (302, 303):
                error = _alert(response.text or "", "danger") or ""
                response.failure(f"{response.status_code} (form not accepted) {error[:200]}")
                return ""
            location = response.headers.get("Location", "")
            if check is None:
                return location
            page = self.page(location, f"page: after {name}")
            problem = check(page)
            if problem:
                response.failure(problem)
            return page

    @staticmethod
    def saved(token: str | None = None):
        def check(page: str) -> str | None:
            if not page:
                return "the page after the save did not open"
            refused = _alert(page, "danger")
            if refused:
                return f"refused: {refused[:200]}"
            if _alert(page, "success") is None:
                return "no confirmation on the page after the save"
            if token and token not in page:
                return "the saved text is not on the record's page"
            return None

        return check


def _cycle(items):
    pool = itertools.cycle(items)
    return lambda: next(pool)


NEXT_LEADER = _cycle(PLAN["leaders"])
NEXT_STAFF = _cycle(PLAN["staff"])
NEXT_REVIEWER = _cycle(PLAN["reviewers"])


class Leader(OfficeUser):
    """办公室领导: the dashboard of this year and of an earlier one, the annual report's figures."""

    weight = 2

    def account(self):
        return NEXT_LEADER()

    @task(3)
    def dashboard(self):
        self.page("/", "page: dashboard /")

    @task(1)
    def dashboard_year(self):
        self.page(f"/?year={YEAR}", f"page: dashboard /?year={YEAR}")

    @task(1)
    def report(self):
        self.page("/reports/annual/?since=2021&until=2023", "page: annual report figures")


class Staff(OfficeUser):
    """工作人员 of a section: the study sessions (list, one session, editing their section's
    session), and their own rectification task (its page, the tasks list, reporting progress)."""

    weight = 13

    def account(self):
        self.work = NEXT_STAFF()
        return self.work["username"]

    @task(3)
    def sessions(self):
        page = self.page("/study/sessions/", "page: study sessions list")
        found = re.findall(r'href="/study/sessions/(\d+)/"', page)
        if found:
            self.page(f"/study/sessions/{random.choice(found)}/", "page: study session")

    @task(1)
    def save_session(self):
        session = self.work["session"]
        url = f"/study/sessions/{session}/edit/"
        page = self.page(url, "page: study session edit form")
        if not page:
            return
        fields = form_fields(page, marker='data-testid="session-form"')
        token = f"压测记录{random.randrange(10**8):08d}"
        minutes = dict(fields).get("minutes", "")
        self.post(
            url,
            replace(fields, minutes=f"{minutes}\n{token}".strip()),
            "save: study session",
            check=self.saved(token),
        )

    @task(2)
    def task_page(self):
        self.page(f"/inspections/tasks/{self.work['task']}/", "page: rectification task")

    @task(1)
    def task_list(self):
        self.page("/inspections/tasks/", "page: rectification tasks list")

    @task(1)
    def save_progress(self):
        task_id = self.work["task"]
        page = self.page(f"/inspections/tasks/{task_id}/", "page: rectification task")
        if not page:
            return
        action = f"/inspections/tasks/{task_id}/progress/"
        token = f"压测进展{random.randrange(10**8):08d}"
        fields = replace(form_fields(page, action=action), note=f"已完成整改措施的一部分。{token}")
        self.post(action, fields, "save: task progress", check=self.saved(token))


class Reviewer(OfficeUser):
    """A reviewer of the three reviews: the queue, an item, a signature (approve)."""

    weight = 5

    def account(self):
        self.signed: set[str] = set()
        return NEXT_REVIEWER()

    @task(2)
    def queue(self):
        self.page("/positions/items/queue/", "page: review queue")

    @task(1)
    def sign(self):
        page = self.page("/positions/items/queue/", "page: review queue")
        waiting = [
            pk
            for pk in dict.fromkeys(re.findall(r'href="/positions/items/(\d+)/"', page))
            if pk not in self.signed
        ]
        if not waiting:
            return
        item = random.choice(waiting[:10])
        page = self.page(f"/positions/items/{item}/", "page: content item")
        if not page:
            return
        action = f"/positions/items/{item}/sign/"
        try:
            fields = form_fields(page, action=action)
        except LookupError:
            return  # no longer this reviewer's to sign (signed meanwhile)
        self.signed.add(item)
        fields = replace(fields, decision="approve", opinion="同意，内容导向正确。")
        self.post(action, fields, "save: sign-off", check=self.saved())


class DutyOfficer(OfficeUser):
    """The duty officer on the shift now: the shift's page and a line in the duty log."""

    fixed_count = 1

    def account(self):
        return PLAN["duty"]["username"]

    def shift(self) -> int | None:
        now = time.time()
        return next((s["shift"] for s in PLAN["duty"]["shifts"] if s["start"] <= now < s["end"] - 120), None)

    @task(1)
    def shift_page(self):
        shift = self.shift()
        if shift:
            self.page(f"/sentiment/shifts/{shift}/", "page: duty shift")

    @task(1)
    def log(self):
        shift = self.shift()
        if not shift:
            return
        url = f"/sentiment/shifts/{shift}/log/new/"
        page = self.page(url, "page: duty log form")
        if not page:
            return
        token = f"压测值班{random.randrange(10**8):08d}"
        fields = replace(
            form_fields(page, action=None, marker='name="content"'),
            content=f"监测网络舆情，未发现异常。{token}",
        )
        self.post(url, fields, "save: duty log", check=self.saved(token))


class LedgerDownload(OfficeUser):
    """A leader downloading the county's ledgers of a year: one a minute, each time the next one
    (BENCH_LEDGER=one, as the issue's mix says; the large ones first), or the archive of every ledger
    each minute (BENCH_LEDGER=all, the heavier case of the earlier runs)."""

    fixed_count = 1
    wait_time = constant_pacing(60)

    def account(self):
        return PLAN["ledger_leader"]

    @task
    def download(self):
        # A ledger over the threshold and the archive are background jobs (reports.run_ledger_export):
        # the leader asks for it (POST, answered by the job's page) and the worker writes it; no
        # request waits for the file. A smaller ledger is downloaded at once.
        page = self.page(LEDGER_URL, "ledgers page")
        if not page:
            return
        if LEDGER_MODE == "all":
            self.ask(page, "all", "ask: ledgers of a year")
            return
        # The large ledgers (written by the worker) first, in the page's order, then the others:
        # a run's eight or so downloads ask for every large one, the review ledger among them.
        found = list(OFFERED_LEDGER.finditer(page))
        offered = [m.group("job") for m in found if m.group("job") not in (None, "all")]
        offered += [m.group("direct") for m in found if m.group("direct")]
        if not offered:
            return
        chosen = offered[next(LEDGER_TURN) % len(offered)]
        if chosen.startswith("/"):
            self.excel(html.unescape(chosen))
        else:
            self.ask(page, chosen, "ask: one ledger (large)")

    def ask(self, page: str, ledger: str, name: str) -> None:
        period = dict(parse_qsl(urlsplit(LEDGER_URL).query))
        fields = [
            ("csrfmiddlewaretoken", CSRF.search(page).group(1)),
            ("ledger", ledger),
            ("start", period.get("start", "")),
            ("end", period.get("end", "")),
        ]
        self.post(LEDGER_EXPORT_URL, fields, name, check=_job_page)

    def excel(self, url: str) -> None:
        with self.client.get(
            url, name="download: one ledger (Excel)", allow_redirects=False, catch_response=True
        ) as response:
            kind = response.headers.get("Content-Type", "")
            if response.status_code != 200 or "spreadsheetml" not in kind:
                response.failure(f"{response.status_code} {kind}")


def _job_page(page: str) -> str | None:
    return None if 'data-testid="job-progress"' in page else "the job's page did not open"


class BareDuringMix(OfficeUser):
    """The bare view (HttpResponse("ok") behind the same middleware), once a second during the mix:
    the floor of a request's time under the same load."""

    fixed_count = 1
    wait_time = constant_pacing(1)

    def account(self):
        return PLAN["duty"]["username"]

    @task
    def bare(self):
        bare_request(self)


def bare_request(user):
    with user.client.get(
        "/__bench__/ok", name="bare view", allow_redirects=False, catch_response=True
    ) as response:
        if response.status_code != 200 or response.text != "ok":
            response.failure(f"{response.status_code}")


_BARE_SESSION: dict = {}


@events.test_start.add_listener
def _bare_session(environment, **kwargs):
    """One signed-in session for the bare phase, made once before the users start (with the
    standard library, outside the measured requests)."""
    if PHASE != "bare":
        return
    import http.cookiejar
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(environment.host + "/accounts/login/").read().decode()
    fields = [
        ("csrfmiddlewaretoken", CSRF.search(page).group(1)),
        ("username", PLAN["duty"]["username"]),
        ("password", PLAN["password"]),
        ("next", "/__bench__/ok"),
    ]
    answer = opener.open(environment.host + "/accounts/login/", data=urlencode(fields).encode()).read()
    assert answer == b"ok", "the bare phase could not sign in"
    _BARE_SESSION["cookie"] = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "sessionid")


class BareSaturation(FastHttpUser):
    """The bare view's throughput: USERS users without think time, all in one signed-in session
    (a sign-in per user would measure password hashing instead)."""

    wait_time = constant(0)
    network_timeout = 60.0

    @task
    def bare(self):
        with self.client.get(
            "/__bench__/ok",
            name="bare view",
            headers={"Cookie": _BARE_SESSION["cookie"]},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.text != "ok":
                response.failure(f"{response.status_code}")


class RampAndHold(LoadTestShape):
    """Ramp to USERS at SPAWN_RATE users/s, hold HOLD seconds, stop."""

    def tick(self):
        if self.get_run_time() < USERS / SPAWN_RATE + HOLD:
            return USERS, SPAWN_RATE
        return None


for _user in (Leader, Staff, Reviewer, DutyOfficer, LedgerDownload):
    _user.tasks = [t for t in _user.tasks if getattr(t, "__name__", "") not in EXCLUDE]
del _user  # a module-level name for a user class would make locust run it twice

# One phase's classes only (locust runs every user class of the file), and none left without a
# task (BENCH_EXCLUDE=download leaves the ledger user out).
if PHASE == "bare":
    del Leader, Staff, Reviewer, DutyOfficer, LedgerDownload, BareDuringMix
else:
    del BareSaturation
    if not LedgerDownload.tasks:
        del LedgerDownload
