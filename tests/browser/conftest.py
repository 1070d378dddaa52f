"""Browser fixtures and the guard every journey runs under.

Every context made through the ``browser`` fixture is in zh-CN (locale and Accept-Language) and
Asia/Shanghai time, and every page in it is watched: a console error, an uncaught page error or a
Content-Security-Policy violation (reported by a ``securitypolicyviolation`` listener installed
before any page script runs) fails the test, after its body has run. A test that provokes an error
on purpose (a 403 page it means to see) says so with ``page_guard.allow(pattern)``.
"""

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from ..conftest import service_unavailable

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The browser's own words (a file input's button, a date field's placeholder) in Chinese too.
    "--lang=zh-CN",
]

LOCALE = "zh-CN"
TIMEZONE = "Asia/Shanghai"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
#: What a phone context is: the width of a common phone, touch, and the mobile viewport rules.
PHONE_CONTEXT = {"viewport": PHONE, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"

# Installed in every document before its own scripts; the CSP does not apply to init scripts.
# The violation goes out as a console error, which the console listener records.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber +
    " (" + (event.sample || "") + ")");
});
"""


class PageGuard:
    """Collects what went wrong in the pages of one test."""

    def __init__(self):
        self.problems: list[str] = []
        self.pages = []
        self._allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """An error the test provokes on purpose (a regular expression searched in the message)."""
        self._allowed.append(re.compile(pattern))

    def _record(self, page, kind: str, text: str) -> None:
        if any(pattern.search(text) for pattern in self._allowed):
            return
        self.problems.append(f"{kind} on {page.url}: {text}")

    def watch(self, page) -> None:
        self.pages.append(page)
        page.on(
            "console",
            lambda message: message.type == "error" and self._record(page, "console error", message.text),
        )
        page.on("pageerror", lambda error: self._record(page, "page error", str(error)))

    def watch_context(self, context) -> None:
        context.add_init_script(CSP_LISTENER)
        context.on("page", self.watch)

    def settle(self) -> None:
        """Let events still on their way from open pages arrive before the problems are read."""
        for page in self.pages:
            if not page.is_closed():
                # A page closing meanwhile has nothing more to say.
                with contextlib.suppress(Exception):
                    page.evaluate("0")


class GuardedBrowser:
    """The Playwright browser, with every new context in zh-CN and watched by the guard."""

    def __init__(self, browser, guard: PageGuard):
        self._browser = browser
        self._guard = guard

    def new_context(self, **options):
        options["locale"] = LOCALE
        options.setdefault("timezone_id", TIMEZONE)
        context = self._browser.new_context(**options)
        self._guard.watch_context(context)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        service_unavailable("Chromium (apt-get install chromium fonts-noto-cjk)")
    return path


@pytest.fixture
def page_guard():
    return PageGuard()


@pytest.fixture
def browser(chromium_path, monkeypatch, page_guard):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        # Chromium on Linux takes its own language (a file input's button, a date field's format)
        # from LANGUAGE, not from --lang; its Chinese needs the chromium-l10n package. LANG must name a
        # locale the machine has: with a missing one (zh_CN.UTF-8 is not generated here) Chromium falls
        # back to ASCII and silently drops a file whose path is Chinese ("签批单.pdf"). C.UTF-8 always exists.
        env = {**os.environ, "LANGUAGE": "zh_CN", "LANG": "C.UTF-8"}
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True, env=env
        )
        yield GuardedBrowser(browser, page_guard)
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) when a watched page had an error."""
    result = yield
    guard = item.funcargs.get("page_guard")
    if guard is not None:
        guard.settle()
        if guard.problems:
            pytest.fail(
                "The browser reported errors:\n" + "\n".join(f"  - {problem}" for problem in guard.problems),
                pytrace=False,
            )
    return result


@pytest.fixture(autouse=True)
def _restore_migration_data(migration_data):
    """Browser tests are transactional: put back the data migrations' rows before each one."""


def save_screenshot(page, name: str) -> Path:
    """Save the whole page under var/screenshots/, named by the page and the viewport width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=path, full_page=True)
    return path


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def overflowing_elements(page) -> list[str]:
    """The elements whose right edge passes the window's, to say what to fix when the page overflows."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("body *"))
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
          .filter((el) => !el.closest(".table-responsive, .overflow-auto"))
          .slice(0, 10)
          .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
            (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""))"""
    )


def run_axe(page) -> list[dict]:
    """Run axe-core (vendored for tests, never served) on the page; its serious and critical violations.

    The script is evaluated from its source, so the page's CSP, which allows no injected script
    element, does not stop it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async () => {
          const results = await window.axe.run(document, {resultTypes: ["violations"]});
          return results.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
          }));
        }"""
    )
    return [violation for violation in results if violation["impact"] in ("serious", "critical")]


def login(browser, live_server, username: str, password: str, *, phone: bool = False):
    """A new context signed in as username; desktop width, or a phone with touch. Returns the page."""
    options = dict(PHONE_CONTEXT) if phone else {"viewport": DESKTOP}
    page = browser.new_context(**options).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # Signed in: the user menu is there (the navigation itself is folded on a phone).
    page.wait_for_selector("[data-testid=main-nav]", state="attached")
    return page


def main_pages() -> list[tuple[str, str]]:
    """(name, path) of the main pages over the demo office's records: the dashboard, the inbox, the
    report, and each work area's landing page, lists, a detail and a form; the admin index last."""
    from django.urls import reverse

    from inspections.models import Finding, Inspection, RectificationTask
    from positions.models import ContentItem, Platform
    from responsibility.models import Assessment, LeadingGroupMembership, OfficeMeeting
    from sentiment.models import DutyShift, OpinionIncident, OpinionReview
    from study.models import StudySession

    def first(model):
        return model.objects.order_by("pk").first()

    pages = [
        ("dashboard", reverse("dashboard:home")),
        ("inbox", reverse("notifications:inbox")),
        ("report", reverse("reports:annual_figures")),
        ("ledgers", reverse("reports:ledger_list")),
        ("responsibility", reverse("responsibility:index")),
        ("responsibility-group", reverse("responsibility:membership_list")),
        ("responsibility-group-member", first(LeadingGroupMembership).get_absolute_url()),
        ("responsibility-meetings", reverse("responsibility:meeting_list")),
        ("responsibility-meeting", first(OfficeMeeting).get_absolute_url()),
        ("responsibility-meeting-form", reverse("responsibility:meeting_create")),
        ("responsibility-assessments", reverse("responsibility:assessment_list")),
        ("responsibility-assessment", first(Assessment).get_absolute_url()),
        ("study", reverse("study:index")),
        ("study-sessions", reverse("study:session_list")),
        ("study-session", first(StudySession).get_absolute_url()),
        ("study-session-form", reverse("study:session_create")),
        ("study-materials", reverse("study:material_list")),
        ("study-points", reverse("study:points_ranking")),
        ("positions", reverse("positions:index")),
        ("positions-items", reverse("positions:item_list")),
        ("positions-item", first(ContentItem).get_absolute_url()),
        ("positions-item-form", reverse("positions:item_create")),
        ("positions-queue", reverse("positions:queue")),
        ("positions-platform", first(Platform).get_absolute_url()),
        ("sentiment", reverse("sentiment:index")),
        ("sentiment-incidents", reverse("sentiment:incident_list")),
        ("sentiment-incident", first(OpinionIncident).get_absolute_url()),
        ("sentiment-incident-form", reverse("sentiment:incident_create")),
        ("sentiment-roster", reverse("sentiment:roster_current")),
        ("sentiment-shift", DutyShift.objects.order_by("-start").first().get_absolute_url()),
        ("sentiment-reviews", reverse("sentiment:review_list")),
        ("sentiment-review", first(OpinionReview).get_absolute_url()),
        ("inspections", reverse("inspections:index")),
        ("inspections-list", reverse("inspections:inspection_list")),
        ("inspections-inspection", first(Inspection).get_absolute_url()),
        ("inspections-finding", first(Finding).get_absolute_url()),
        ("inspections-tasks", reverse("inspections:task_list")),
        ("inspections-task", first(RectificationTask).get_absolute_url()),
        ("admin", reverse("admin:index")),
    ]
    return pages


def seed_demo_office(tmp_path, password: str) -> None:
    """The whole demo office (about a minute): every main page has records to show."""
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", password=password, logins_file=str(tmp_path / "logins.txt"), stdout=StringIO())


#: The demo's business administrator: sees every record and form, and the admin.
DEMO_ADMIN = "lufeng"
DEMO_PASSWORD = "demo-browser-password"
