from .audit import audit_context


class AuditActorMiddleware:
    """Attributes every write made while serving a request to the signed-in person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_context(user=request.user, remote_addr=request.META.get("REMOTE_ADDR")):
            return self.get_response(request)
