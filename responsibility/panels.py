"""The responsibility area's dashboard panels (declared in contract.py): the leading group to
adjust, the assessments in progress, and each person's follow-up actions. One query each."""

from __future__ import annotations

from ideology_office.dashboard.selectors import ATTENTION_LIMIT

from .selectors import assessments_in_progress, follow_up_actions_for_user, leading_group_needs_adjustment


def group_needs_adjustment(scope) -> list:
    return leading_group_needs_adjustment()


def assessments(scope) -> list:
    return list(assessments_in_progress()[:ATTENTION_LIMIT])


def my_follow_ups(user, today) -> list:
    return list(follow_up_actions_for_user(user)[:ATTENTION_LIMIT])
