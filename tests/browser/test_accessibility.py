"""axe-core over the main pages of the demo office, as its business administrator (who sees every
work area, its forms and the admin): no "serious" or "critical" violation on any of them. Then
the keyboard: every form field has a label and the focused control shows a visible ring.

axe-core is vendored for the tests only (tests/browser/vendor/axe.min.js) and never served."""

import pytest

from .conftest import DEMO_ADMIN, DEMO_PASSWORD, login, main_pages, run_axe, seed_demo_office


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_have_no_serious_accessibility_violation(browser, live_server, tmp_path):
    seed_demo_office(tmp_path, DEMO_PASSWORD)
    page = login(browser, live_server, DEMO_ADMIN, DEMO_PASSWORD)
    found = {}
    unlabelled = {}
    for name, path in main_pages():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        if page.locator("[data-chart]").count():
            page.wait_for_selector("[data-chart][data-chart-ready=true]", timeout=15_000)
        violations = run_axe(page)
        if violations:
            found[name] = violations
        # Every visible field has a name a screen reader reads out: a label, aria-label or title.
        missing = page.evaluate(
            """() => Array.from(document.querySelectorAll("input, select, textarea"))
              .filter((el) => el.type !== "hidden" && el.offsetParent !== null)
              .filter((el) => !el.closest("[aria-hidden=true]"))
              .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                && !el.getAttribute("aria-labelledby") && !el.getAttribute("title"))
              .map((el) => el.name || el.id)"""
        )
        if missing:
            unlabelled[name] = missing
    assert found == {}, "\n".join(
        f"{name}: {v['impact']} {v['id']} ({v['help']}): {v['nodes']}"
        for name, vs in found.items()
        for v in vs
    )
    assert unlabelled == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_focus_is_visible_on_links_buttons_and_fields(browser, live_server):
    from ideology_office.accounts.roles import Role

    from ..factories import TEST_PASSWORD, UserFactory

    UserFactory(username="leader-f", real_name="陈立华", roles=[Role.LEADER])
    page = login(browser, live_server, "leader-f", TEST_PASSWORD)
    page.goto(f"{live_server.url}/study/sessions/")
    seen = set()
    # Tab through the page: the skip link, the navigation, the filter fields and buttons.
    for _step in range(25):
        page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return null;
              const style = getComputedStyle(el);
              const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
              const shadow = style.boxShadow && style.boxShadow !== "none";
              return {tag: el.tagName.toLowerCase(), visible: outline || shadow,
                      text: (el.innerText || el.name || el.id || "").trim().slice(0, 20),
                      style: [el.className, style.outlineStyle, style.outlineWidth, style.boxShadow].join(" | ")};
            }"""
        )
        if ring is None:
            continue
        assert ring["visible"], f"no visible focus on <{ring['tag']}> {ring['text']}: {ring['style']}"
        seen.add(ring["tag"])
    # The walk reached links, and a field or a button.
    assert "a" in seen and seen & {"input", "select", "button"}
