from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers

from .audit import audit_context


class AuditActorMiddleware:
    """Attributes every write made while serving a request to the signed-in person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_context(user=request.user, remote_addr=request.META.get("REMOTE_ADDR")):
            return self.get_response(request)


class WorkAreaGateMiddleware:
    """The one gate of the work areas: a signed-in person with no role is refused every page of
    them (and of the report), with a page telling them to ask an administrator for a role. What
    each role may see and do inside an area is the record policies' business, not the gate's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.core.exceptions import PermissionDenied
        from django.utils.translation import gettext as _

        from ideology_office.accounts import roles

        from .navigation import GATED_NAMESPACES

        match = request.resolver_match
        if match is None or match.app_name not in GATED_NAMESPACES:
            return None
        if request.user.is_authenticated and not roles.has_any_role(request.user):
            raise PermissionDenied(_("You have no role yet. Ask an administrator to assign one."))
        return None


class HtmxHistoryMiddleware:
    """One URL, two bodies: an htmx request to a list or the dashboard gets a fragment, a plain
    request the whole page. Caches must keep them apart (``Vary: HX-Request``), a fragment must
    never be stored as the page the browser shows on Back (``no-store``), and htmx's own history
    restore (``HX-History-Restore-Request``, after its snapshot cache misses) needs the whole
    page, so such a request is answered as a plain one. Placed after django-htmx's middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        restoring = request.headers.get("HX-History-Restore-Request") == "true"
        if restoring:
            request.htmx = _NotHtmx()
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        if request.headers.get("HX-Request") == "true" and not restoring:
            add_never_cache_headers(response)
            # never_cache says no-cache, which still lets Back reuse the stored fragment.
            patch_cache_control(response, no_store=True)
        return response


class _NotHtmx:
    """Stands in for django-htmx's details on a request that must get the whole page."""

    boosted = False
    history_restore_request = True
    target = trigger = trigger_name = prompt = current_url = current_url_abs_path = None

    def __bool__(self):
        return False
