"""Two reviewers acting at once cannot both sign the same step: the item row is locked."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from ideology_office.accounts.roles import Role
from positions import services
from positions.models import ContentItem, SignOff

from ..factories import UserFactory
from .factories import Desk


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sign_offs_of_one_step_sign_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises whole writes")
    desk = Desk()
    item = desk.submitted()
    other = UserFactory(roles=[Role.STAFF], real_name="编辑己")
    services.content_item_assign_reviewers(
        item=item, step="first", reviewers=[desk.first, other], user=desk.publisher
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def sign(person):
        try:
            barrier.wait()
            services.content_item_sign(
                item=ContentItem.objects.get(pk=item.pk), user=person, decision="approve", opinion="同意"
            )
            outcomes.append("signed")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(person,)) for person in (desk.first, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already_signed", "signed"]
    assert SignOff.objects.filter(item=item, step="first").count() == 1
    item.refresh_from_db()
    assert item.current_step == "second"
