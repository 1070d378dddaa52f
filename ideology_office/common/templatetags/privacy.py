"""{% load privacy %}: personal numbers in templates, by the one rule of ``common/privacy.py``."""

from django import template

from ideology_office.common import privacy

register = template.Library()


@register.filter(name="phone_for")
def phone_for_filter(value, user):
    """{{ shift.phone|phone_for:request.user }}: the number, masked unless the reader needs it."""
    return privacy.phone_for(value, user)


@register.filter(name="phone_of")
def phone_of_filter(person, user):
    """{{ person|phone_of:request.user }}: the person's phone, in full to overseers and to the
    person themselves, masked for anyone else."""
    return privacy.phone_of(person, user)


@register.filter(name="duty_phone_now")
def duty_phone_now_filter(value):
    """{{ on_duty.phone|duty_phone_now }}: the phone of the shift on duty now, for everyone."""
    return privacy.duty_phone_now(value)
