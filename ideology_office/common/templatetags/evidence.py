from django import template
from django.contrib.contenttypes.models import ContentType

from ideology_office.common.file_types import accepted_extensions
from ideology_office.common.models import Attachment
from ideology_office.common.policies import can_change_record

register = template.Library()


@register.inclusion_tag("components/attachments.html", takes_context=True)
def attachments_panel(context, record):
    """The evidence files of ``record`` with upload and void forms for those who may change it."""
    request = context["request"]
    content_type = ContentType.objects.get_for_model(record)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "record": record,
        "record_content_type_id": content_type.pk,
        "attachments": Attachment.objects.filter(content_type=content_type, object_id=str(record.pk)),
        "can_change": can_change_record(request.user, record),
        # The same file types the upload form accepts, so the picker offers only those.
        "accept": ",".join(accepted_extensions()),
    }
