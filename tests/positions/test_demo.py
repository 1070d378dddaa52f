import pytest
from django.core.management import call_command

from positions.models import (
    ContentItem,
    KeyDate,
    PhysicalUpdate,
    Platform,
    PublicityTask,
    SignOff,
)
from positions.selectors import signoff_chain_problems


@pytest.mark.django_db
def test_demo_seeds_every_state_through_the_services_and_runs_twice_without_change(tmp_path):
    call_command(
        "seed_demo", password="demo-password-123", logins_file=str(tmp_path / "logins.txt"), only="positions"
    )
    assert set(Platform.objects.values_list("name", flat=True)) == {
        "门户网站",
        "微信公众号",
        "宣传栏",
        "电子显示屏",
        "会议室",
    }
    states = set(ContentItem.objects.values_list("status", flat=True))
    assert states == set(ContentItem.Status.values)
    steps = set(ContentItem.objects.filter(status="in_review").values_list("current_step", flat=True))
    assert steps == {"first", "second", "final", "leader"}
    assert ContentItem.objects.order_by("created_at").first().created_at.year == 2021
    assert signoff_chain_problems() == []
    assert PhysicalUpdate.objects.filter(start_date__year=2021).exists()
    assert set(PublicityTask.objects.values_list("year", flat=True)) == set(range(2021, 2028))
    assert KeyDate.objects.filter(name="春节").exists()
    counts = [
        model.objects.count()
        for model in (Platform, ContentItem, SignOff, PhysicalUpdate, KeyDate, PublicityTask)
    ]
    call_command("seed_demo", logins_file=str(tmp_path / "logins.txt"), only="positions")
    assert [
        model.objects.count()
        for model in (Platform, ContentItem, SignOff, PhysicalUpdate, KeyDate, PublicityTask)
    ] == counts
