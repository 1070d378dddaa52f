"""Builders for positions tests: a platform with a reviewer per step, items moved through the
real services (so every sign-off in a test is a genuine chain row)."""

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from ideology_office.accounts.roles import Role
from positions import services
from positions.demo import _png
from positions.models import Platform, SignOff

from ..factories import UserFactory


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform

    name = factory.Sequence(lambda n: f"平台{n}")
    kind = Platform.Kind.WEBSITE
    responsible_person = factory.SubFactory(UserFactory, roles=[Role.STAFF])
    location = "https://www.example.gov.cn/"


class PhysicalPlatformFactory(PlatformFactory):
    kind = Platform.Kind.BULLETIN_BOARD
    location = "一楼大厅"
    max_unchanged_days = 30


def photo(name="photo.png", seed=1):
    return SimpleUploadedFile(name, _png(seed), content_type="image/png")


class Desk:
    """A platform, an author and one reviewer per review step, defaults set on the platform."""

    def __init__(self, platform=None):
        self.author = UserFactory(roles=[Role.STAFF], real_name="作者甲", title="科员")
        self.first = UserFactory(roles=[Role.STAFF], real_name="编辑乙", title="编辑")
        self.second = UserFactory(roles=[Role.SECTION_HEAD], real_name="股长丙", title="信息股股长")
        self.final = UserFactory(roles=[Role.LEADER], real_name="领导丁", title="副主任")
        self.leader = UserFactory(roles=[Role.LEADER], real_name="主任戊", title="主任")
        self.platform = platform or PlatformFactory()
        self.publisher = self.platform.responsible_person
        manager = UserFactory(roles=[Role.ADMIN])
        for step, person in self.reviewers().items():
            services.platform_reviewers_set(
                platform=self.platform, step=step, reviewers=[person], user=manager
            )

    def reviewers(self):
        return {
            SignOff.Step.FIRST: self.first,
            SignOff.Step.SECOND: self.second,
            SignOff.Step.FINAL: self.final,
            SignOff.Step.LEADER: self.leader,
        }

    def draft(
        self, title="县委办公室召开意识形态工作专题会", body="第一段。\n第二段。", sensitivity="normal"
    ):
        return services.content_item_create(
            platform=self.platform, title=title, body=body, author=self.author, sensitivity=sensitivity
        )

    def submitted(self, **kwargs):
        item = self.draft(**kwargs)
        return services.content_item_submit(item=item, user=self.author)

    def sign(self, item, step=None, decision="approve", opinion="同意。", user=None):
        item.refresh_from_db()
        step = step or item.current_step
        return services.content_item_sign(
            item=item, user=user or self.reviewers()[step], decision=decision, opinion=opinion
        )

    def approved(self, **kwargs):
        item = self.submitted(**kwargs)
        for step in item.required_steps:
            self.sign(item, step)
        item.refresh_from_db()
        return item

    def published(self, **kwargs):
        item = self.approved(**kwargs)
        services.content_item_publish(
            item=item, user=self.publisher, url="https://www.example.gov.cn/a/1.html"
        )
        item.refresh_from_db()
        return item
