import datetime

from tests.factories import UserFactory
from tests.testapp.models import Dossier


def dossier(*, owner=None, deadline: datetime.date, title="材料", done=False) -> Dossier:
    return Dossier.objects.create(
        title=title, owner=owner or UserFactory(email="owner@example.gov.cn"), deadline=deadline, done=done
    )
