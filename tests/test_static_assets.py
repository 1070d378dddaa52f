"""No page loads anything from outside this server, and no page runs inline script."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

BASE_DIR = Path(settings.BASE_DIR)
# The project's templates/ and each work-area app's own <app>/templates/.
TEMPLATE_DIRS = [BASE_DIR / "templates", *sorted(BASE_DIR.glob("*/templates"))]
EXTERNAL_ASSET = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""(?:@import|url\()\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def project_templates():
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))


def test_templates_exist():
    assert len(project_templates()) >= 10


@pytest.mark.parametrize("template", project_templates(), ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_no_template_references_an_external_asset_or_inline_script(template):
    text = template.read_text(encoding="utf-8")
    assert not EXTERNAL_ASSET.search(text)
    assert not INLINE_SCRIPT.search(text)
    assert not INLINE_HANDLER.search(text)
    assert 'style="' not in text


def test_vendored_css_loads_nothing_from_outside():
    for path in (Path(settings.BASE_DIR) / "static").rglob("*.css"):
        assert not CSS_EXTERNAL.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize(
    "asset",
    [
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
        "vendor/htmx/htmx.min.js",
        "vendor/echarts/echarts.min.js",
    ],
)
def test_front_end_libraries_are_vendored_with_their_licences(asset):
    found = finders.find(asset)
    assert found, asset
    library_dir = Path(settings.BASE_DIR) / "static" / "vendor" / asset.split("/")[1]
    assert (library_dir / "LICENSE").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/study/", "/admin/"])
def test_rendered_pages_reference_only_this_server_and_send_a_csp(client, admin_person, url):
    if url != "/accounts/login/":
        client.force_login(admin_person)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL_ASSET.search(html)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "default-src 'self'" in policy
    if url != "/admin/":  # Django's own admin templates are not ours to rewrite
        assert not INLINE_SCRIPT.search(html)
