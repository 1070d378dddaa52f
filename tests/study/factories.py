import datetime

import factory

from study.models import LearningPlatform, StudyMaterial, StudySession, Tag
from tests.factories import OrgUnitFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"标签{n}")


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyMaterial

    title = factory.Sequence(lambda n: f"重要讲话{n}")
    kind = StudyMaterial.Kind.SPEECH
    issued_on = datetime.date(2024, 3, 1)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudySession
        skip_postgeneration_save = True

    kind = StudySession.Kind.CENTRAL_GROUP
    date = datetime.date(2024, 3, 10)
    topic = factory.Sequence(lambda n: f"学习主题{n}")
    section = factory.SubFactory(OrgUnitFactory)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPlatform
        django_get_or_create = ("code",)

    name = "学习强国"
    code = "xuexi"
