from django import template

from ideology_office.common.privacy import phone_for

register = template.Library()


@register.filter(name="phone_for")
def phone_for_filter(value, user):
    """{{ person.phone|phone_for:request.user }}: the number, masked unless the reader needs it."""
    return phone_for(value, user)
