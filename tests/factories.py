import factory
from django.contrib.auth.models import Group

from ideology_office.accounts.models import OrgUnit, User

TEST_PASSWORD = "correct-horse-battery-staple"


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试股{n}")
    code = factory.Sequence(lambda n: f"section-{n}")
    kind = OrgUnit.Kind.SECTION


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试用户{n}")
    section = factory.SubFactory(OrgUnitFactory)
    title = "科员"
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
