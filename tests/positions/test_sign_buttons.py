"""A reviewer is offered only the signature they may give: one who signed 初审 and is also a
reviewer of 复审 sees no sign form, the reason instead, and the item is not in their queue
(issue 17, buttons)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ideology_office.accounts.roles import Role
from positions import selectors, services
from positions.models import SignOff
from tests.factories import UserFactory

from .factories import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    desk = Desk()
    manager = UserFactory(roles=[Role.ADMIN])
    # 编辑乙 reviews both 初审 and 复审 of the platform, beside 股长丙.
    services.platform_reviewers_set(
        platform=desk.platform, step=SignOff.Step.SECOND, reviewers=[desk.second, desk.first], user=manager
    )
    return desk


def test_after_signing_the_first_review_the_second_is_not_offered(client, desk):
    item = desk.submitted()
    desk.sign(item)  # 初审 by 编辑乙
    item.refresh_from_db()
    assert item.current_step == SignOff.Step.SECOND

    client.force_login(desk.first)
    page = client.get(item.get_absolute_url()).content.decode()
    assert 'data-testid="sign-form"' not in page
    assert 'data-testid="sign-refusal"' in page
    assert "同一人不能签署" in page or "不能签署" in page
    assert item not in selectors.review_queue_for_user(user=desk.first)
    queue = client.get(reverse("positions:queue")).content.decode()
    assert item.title not in queue
    assert "不能签署同一信息的两个审核环节" in queue

    # The other 复审 reviewer is offered it and the item waits in their queue.
    client.force_login(desk.second)
    assert 'data-testid="sign-form"' in client.get(item.get_absolute_url()).content.decode()
    assert item in selectors.review_queue_for_user(user=desk.second)


@pytest.mark.parametrize("who", ["second", "first"])
def test_the_item_page_asks_each_sign_rule_once(client, desk, who):
    # The page needs both "may sign" and "why not": the grant, the writers and the round's
    # signatures are each read once (they were read two or three times, once per question).
    item = desk.submitted()
    desk.sign(item)  # 初审 by 编辑乙: 复审 waits for 编辑乙 (refused, signed 初审) or 股长丙 (offered)
    client.force_login(getattr(desk, who))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(item.get_absolute_url()).content.decode()
    offered = 'data-testid="sign-form"' in page
    assert offered is (who == "second")
    assert ('data-testid="sign-refusal"' in page) is (who == "first")
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum("guardian_userobjectpermission" in text for text in sql) == 1
    writers = 'SELECT "positions_contentrevision"."created_by_id" AS'
    assert sum(text.startswith(writers) for text in sql) == 1
    assert sum(text.startswith('SELECT 1 AS "a" FROM "positions_signoff"') for text in sql) == 1
