"""Screenshots of every main page at desktop (1366) and phone (390) width, under var/screenshots/,
for a person to look at before a release; on each, nothing sticks out sideways, and the conftest
guard fails the walk on any console error or CSP violation."""

import pytest

from .conftest import (
    DEMO_ADMIN,
    DEMO_PASSWORD,
    horizontal_overflow,
    login,
    main_pages,
    overflowing_elements,
    save_screenshot,
    seed_demo_office,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_main_page_at_both_widths_is_saved_and_fits(browser, live_server, tmp_path):
    seed_demo_office(tmp_path, DEMO_PASSWORD)
    pages = main_pages()
    too_wide = {}
    for phone in (False, True):
        page = login(browser, live_server, DEMO_ADMIN, DEMO_PASSWORD, phone=phone)
        for name, path in pages:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            if page.locator("[data-chart]").count():
                page.wait_for_selector("[data-chart][data-chart-ready=true]", timeout=15_000)
            saved = save_screenshot(page, name)
            assert saved.stat().st_size > 5_000
            overflow = horizontal_overflow(page)
            if overflow > 0:
                too_wide[f"{name}-{page.viewport_size['width']}"] = (overflow, overflowing_elements(page))
        page.context.close()
    assert too_wide == {}
