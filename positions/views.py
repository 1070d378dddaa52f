"""Pages of the positions work area. Thin: check access, bind a form, call one service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ideology_office.common.anchors import latest_anchor
from ideology_office.common.downloads import DOCX_CONTENT_TYPE, download
from ideology_office.common.filters import filter_void_state, void_state
from ideology_office.common.listing import CountedWithRowsPaginator, render_list
from ideology_office.common.policies import Action, require, visible_to
from ideology_office.common.query_params import pk_param, year_param
from ideology_office.common.spreadsheets import Sheet, xlsx_response
from ideology_office.common.views import run_service, submit_form

from . import documents, selectors, services
from .chain import CHAIN_NAME
from .filters import ContentItemFilter
from .forms import (
    AssignReviewersForm,
    ContentItemForm,
    LedgerPeriodForm,
    PhysicalUpdateForm,
    PublicationActionForm,
    PublicityTaskForm,
    PublishForm,
    SignForm,
)
from .models import ContentItem, KeyDate, Platform, SignOff
from .permissions import (
    access_item,
    access_physical_update,
    access_platform,
    access_task,
    can_assign_reviewers,
    can_edit_item,
    can_plan_tasks,
    can_publish,
    can_record_physical_update,
    is_manager,
    sign_standing,
)

AREA = _("Positions")
WAIT_ALERT_HOURS = 48


def _crumbs(*rest):
    return [(_("Positions"), reverse("positions:index")), *rest]


@require_GET
def index(request):
    today = timezone.localdate()
    context = {
        "queue": list(selectors.review_queue_for_user(user=request.user)[:10]),
        "my_items": list(selectors.content_item_list_for_author(user=request.user)[:10]),
        "counts": [
            (SignOff.Step(step).label, total) for step, total in selectors.review_counts_by_step().items()
        ],
        "overdue": list(
            visible_to(request.user, selectors.items_waiting_longer_than(hours=WAIT_ALERT_HOURS))[:10]
        ),
        "stale": selectors.stale_physical_positions(today),
        "upcoming": selectors.upcoming_key_dates(today, days=30),
        "now": timezone.now(),
        "crumbs": [(_("Positions"), None)],
        "wait_alert_hours": WAIT_ALERT_HOURS,
        "may_export": is_manager(request.user),
    }
    return render(request, "positions/index.html", context)


@require_GET
def item_list(request):
    return render_list(
        request,
        "positions/contentitem_list.html",
        queryset=selectors.content_item_list(user=request.user),
        filterset_class=ContentItemFilter,
        context={"crumbs": _crumbs((_("Content items"), None))},
    )


@require_GET
def queue(request):
    return render_list(
        request,
        "positions/contentitem_queue.html",
        queryset=selectors.review_queue_for_user(user=request.user),
        # A queue is hundreds of items found among every item in review: counted with its page.
        paginator_class=CountedWithRowsPaginator,
        context={"crumbs": _crumbs((_("Waiting for me"), None)), "now": timezone.now()},
    )


def item_create(request):
    form = ContentItemForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda **data: services.content_item_create(author=request.user, **data),
        success=_("Saved the draft."),
        success_url=lambda item: item,
    )
    return done or render(
        request,
        "positions/contentitem_form.html",
        {
            "form": form,
            "crumbs": _crumbs((_("Content items"), reverse("positions:item_list")), (_("New item"), None)),
        },
    )


def item_edit(request, pk):
    item = access_item(request.user, pk)
    if not can_edit_item(request.user, item):
        raise PermissionDenied
    revision = item.current_revision
    initial = {"title": revision.title, "body": revision.body, "sensitivity": item.sensitivity}
    form = ContentItemForm(request.POST or None, initial=initial, editing=True)
    done = submit_form(
        request,
        form,
        lambda **data: services.content_item_edit(item=item, user=request.user, **data),
        success=_("Saved the edit as a new revision."),
        success_url=item,
    )
    if done:
        return done
    return render(
        request,
        "positions/contentitem_form.html",
        {
            "form": form,
            "item": item,
            "crumbs": _crumbs(
                (_("Content items"), reverse("positions:item_list")),
                (item.title, item.get_absolute_url()),
                (_("Edit"), None),
            ),
        },
    )


@require_GET
def item_detail(request, pk):
    access_item(request.user, pk)
    item = selectors.content_item_detail(item_id=pk)
    user = request.user
    seen = services.content_item_mark_seen(item=item, user=user)
    diff = None
    if seen is not None and seen.pk != item.current_revision_id:
        diff = selectors.revision_diff(seen, item.current_revision)
    may_sign, refusal = sign_standing(user, item)
    context = {
        "item": item,
        "revision": item.current_revision,
        "signoffs": list(item.signoffs.all()),
        "assignments": sorted(
            item.assignments.all(),
            key=lambda row: item.required_steps.index(row.step) if row.step in item.required_steps else 9,
        ),
        "revisions": list(item.revisions.all()),
        "publication": selectors.publication_for(item),
        "diff": diff,
        "seen": seen,
        "may_edit": can_edit_item(user, item),
        "may_submit": item.author_id == user.pk
        and item.status in (ContentItem.Status.DRAFT, ContentItem.Status.REJECTED),
        "sign_form": SignForm(initial={"revision_id": item.current_revision_id}) if may_sign else None,
        # Why a reviewer of this step sees no sign form.
        "sign_refusal": refusal,
        "assign_form": AssignReviewersForm(item=item)
        if can_assign_reviewers(user, item) and item.is_editable
        else None,
        "publish_form": PublishForm()
        if item.status == ContentItem.Status.APPROVED and can_publish(user, item)
        else None,
        "action_form": PublicationActionForm()
        if item.status == ContentItem.Status.PUBLISHED and can_publish(user, item)
        else None,
        "approval_problems": services.approval_problems(item)
        if item.status == ContentItem.Status.APPROVED
        else [],
        "chain": selectors.item_chain_state(item),
        "crumbs": _crumbs((_("Content items"), reverse("positions:item_list")), (item.title, None)),
    }
    return render(request, "positions/contentitem_detail.html", context)


@require_POST
def item_submit(request, pk):
    item = access_item(request.user, pk)
    return run_service(
        request,
        lambda: services.content_item_submit(item=item, user=request.user),
        back=item,
        success=_("Submitted for review: it waits for the first review."),
    )


@require_POST
def item_sign(request, pk):
    item = access_item(request.user, pk)
    return run_service(
        request,
        lambda **data: services.content_item_sign(item=item, user=request.user, **data),
        back=item,
        success=lambda rows: _("Signed: %(step)s.") % {"step": rows[-1].get_step_display()},
        form=SignForm(request.POST),
    )


@require_POST
def item_assign(request, pk):
    item = access_item(request.user, pk)
    return run_service(
        request,
        lambda step, reviewers: services.content_item_assign_reviewers(
            item=item, step=step, reviewers=list(reviewers), user=request.user
        ),
        back=item,
        success=_("Reviewers assigned."),
        form=AssignReviewersForm(request.POST, item=item),
    )


@require_POST
def item_publish(request, pk):
    item = access_item(request.user, pk)
    return run_service(
        request,
        lambda **data: services.content_item_publish(item=item, user=request.user, **data),
        back=item,
        success=_("Recorded the publication of the approved revision."),
        form=PublishForm(request.POST),
    )


@require_POST
def item_act(request, pk):
    item = access_item(request.user, pk)
    return run_service(
        request,
        lambda **data: services.publication_act(item=item, user=request.user, **data),
        back=item,
        success=_("Recorded."),
        form=PublicationActionForm(request.POST),
    )


def _review_form_context(request, pk):
    access_item(request.user, pk)
    item = selectors.content_item_detail(item_id=pk)
    return {
        "item": item,
        "signoffs": list(item.signoffs.all()),
        "publication": selectors.publication_for(item),
        "chain": selectors.item_chain_state(item),
        "anchor": latest_anchor(CHAIN_NAME),
    }


@require_GET
def item_review_form(request, pk):
    context = _review_form_context(request, pk)
    context["crumbs"] = _crumbs(
        (_("Content items"), reverse("positions:item_list")),
        (context["item"].title, context["item"].get_absolute_url()),
        (_("Publishing review form"), None),
    )
    return render(request, "positions/contentitem_review_form.html", context)


@require_GET
def item_review_form_docx(request, pk):
    context = _review_form_context(request, pk)
    return download(
        documents.review_form_docx(context), f"信息发布审核表-{context['item'].pk}.docx", DOCX_CONTENT_TYPE
    )


@require_GET
def ledger_export(request):
    """The review ledger of a period (every sign-off) as Excel; leaders and administrators only."""
    if not is_manager(request.user):
        raise PermissionDenied
    form = LedgerPeriodForm(request.GET or None)
    if not form.is_valid():
        return render(
            request,
            "positions/ledger_form.html",
            {"form": form, "crumbs": _crumbs((_("Review ledger"), None))},
            status=400 if request.GET else 200,
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = list(selectors.review_ledger_rows(selectors.review_ledger(start=start, end=end)))
    verification = selectors.verify_signoff_chain()
    footer = documents.chain_footer(verification.ok, timezone.now(), latest_anchor(CHAIN_NAME))
    rows += [[]] + [[line] for line in (*footer[:1], *verification.problems[:20], *footer[1:])]
    sheet = Sheet(
        title=_("Review ledger"),
        headers=[
            _("No."),
            _("Platform"),
            _("Title"),
            _("Step"),
            _("Decision"),
            _("Signer"),
            _("Title (post)"),
            _("Time"),
            _("Opinion"),
            _("Revision"),
            _("SHA-256 of the revision"),
            _("Chain hash"),
        ],
        rows=rows,
    )
    return xlsx_response(f"三审三校签批台账-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", [sheet])


@require_GET
def platform_list(request):
    platforms = list(Platform.objects.select_related("responsible_person").order_by("kind", "name"))
    freshness = selectors.physical_positions_freshness(timezone.localdate())
    for platform in platforms:
        platform.freshness = freshness.get(platform.pk)
    return render(
        request,
        "positions/platform_list.html",
        {"platforms": platforms, "crumbs": _crumbs((_("Platforms"), None))},
    )


@require_GET
def platform_detail(request, pk):
    platform = access_platform(request.user, pk)
    context = {
        "platform": platform,
        "reviewers": platform.default_reviewers.select_related("reviewer").order_by("step"),
        "may_record": can_record_physical_update(request.user, platform),
        "crumbs": _crumbs((_("Platforms"), reverse("positions:platform_list")), (platform.name, None)),
    }
    if platform.is_physical:
        updates = selectors.physical_update_list(platform=platform)
        context["updates"] = filter_void_state(updates, void_state(request))[:50]
        context["freshness"] = selectors.physical_positions_freshness(timezone.localdate()).get(platform.pk)
    else:
        context["items"] = selectors.content_item_list(user=request.user).filter(platform=platform)[:50]
    return render(request, "positions/platform_detail.html", context)


def physical_update_create(request, platform_pk):
    platform = access_platform(request.user, platform_pk)
    if not can_record_physical_update(request.user, platform):
        raise PermissionDenied
    form = PhysicalUpdateForm(
        request.POST or None, request.FILES or None, initial={"start_date": timezone.localdate()}
    )
    done = submit_form(
        request,
        form,
        lambda **data: services.physical_update_record(platform=platform, user=request.user, **data),
        success=_("Recorded the content change."),
        success_url=lambda update: update,
    )
    if done:
        return done
    return render(
        request,
        "positions/physicalupdate_form.html",
        {
            "form": form,
            "platform": platform,
            "crumbs": _crumbs(
                (_("Platforms"), reverse("positions:platform_list")),
                (platform.name, platform.get_absolute_url()),
                (_("Record a content change"), None),
            ),
        },
    )


@require_GET
def physical_update_detail(request, pk):
    update = access_physical_update(request.user, pk)
    return render(
        request,
        "positions/physicalupdate_detail.html",
        {
            "update": update,
            "crumbs": _crumbs(
                (_("Platforms"), reverse("positions:platform_list")),
                (update.platform.name, update.platform.get_absolute_url()),
                (f"{update.start_date:%Y-%m-%d}", None),
            ),
        },
    )


@require_GET
def key_date_list(request):
    today = timezone.localdate()
    year = year_param(request, default=today.year, last=2049)
    return render(
        request,
        "positions/keydate_list.html",
        {
            "year": year,
            "years": range(2021, today.year + 2),
            "dates": selectors.key_dates_for_year(year),
            "tasks": selectors.publicity_task_list(year=year, state=void_state(request)),
            "upcoming": selectors.upcoming_key_dates(today, days=30),
            "may_plan": can_plan_tasks(request.user),
            "crumbs": _crumbs((_("Key dates"), None)),
        },
    )


def task_create(request):
    if not can_plan_tasks(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    initial = {"year": today.year}
    key_date = pk_param(request, "key_date")
    if key_date is not None:
        initial["key_date"] = get_object_or_404(KeyDate, pk=key_date)
    form = PublicityTaskForm(request.POST or None, initial=initial)
    done = submit_form(
        request,
        form,
        lambda **data: services.publicity_task_create(user=request.user, **data),
        success=_("Planned the publicity task."),
        success_url=lambda task: f"{reverse('positions:key_date_list')}?year={task.year}",
    )
    if done:
        return done
    return render(
        request,
        "positions/publicitytask_form.html",
        {
            "form": form,
            "crumbs": _crumbs((_("Key dates"), reverse("positions:key_date_list")), (_("Plan a task"), None)),
        },
    )


@require_POST
def task_complete(request, pk):
    task = access_task(request.user, pk)
    require(request.user, Action.CHANGE, task)
    return run_service(
        request,
        lambda: services.publicity_task_complete(task=task, user=request.user),
        back=f"{reverse('positions:key_date_list')}?year={task.year}",
        success=_("Marked the task done."),
    )
