"""Every htmx endpoint answers a fragment only to htmx, says so to caches, and gives htmx's
history restore the whole page (issue 17, bug 1). Checked through the real middleware stack on
two kinds of endpoint: the dashboard and a filtered list."""

import pytest


@pytest.fixture
def signed_in(client, leader):
    client.force_login(leader)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/?year=2023", "/study/sessions/?kind=central_group"])
def test_fragment_is_never_stored_and_varies_on_hx_request(signed_in, url):
    fragment = signed_in.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'data-testid="main-nav"' not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    assert "no-store" in fragment["Cache-Control"]

    page = signed_in.get(url)
    assert 'data-testid="main-nav"' in page.content.decode()
    assert "HX-Request" in page["Vary"]
    assert "no-store" not in page.get("Cache-Control", "")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/?year=2023", "/study/sessions/?kind=central_group"])
def test_history_restore_request_gets_the_whole_page(signed_in, url):
    response = signed_in.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert response.status_code == 200
    assert 'data-testid="main-nav"' in response.content.decode()
    assert "HX-Request" in response["Vary"]
