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
