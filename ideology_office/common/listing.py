"""List pages: filter, paginate, and answer htmx with only the results fragment."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

DEFAULT_PAGE_SIZE = 25


def render_list(
    request,
    template_name: str,
    *,
    queryset,
    filterset_class=None,
    page_size: int = DEFAULT_PAGE_SIZE,
    context: dict | None = None,
):
    """Render ``template_name`` with ``filter``, ``page_obj`` and ``object_list``.

    The template defines ``{% partialdef results inline %}`` around the table and pagination;
    an htmx request (a filter change) gets just that partial.
    """
    filterset = (
        filterset_class(request.GET or None, queryset=queryset, request=request) if filterset_class else None
    )
    if filterset is not None:
        filterset.is_valid()
        queryset = filterset.qs
    page_obj = Paginator(queryset, page_size).get_page(request.GET.get("page"))
    full_context = {
        "filter": filterset,
        "page_obj": page_obj,
        "object_list": page_obj.object_list,
        **(context or {}),
    }
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, f"{template_name}#results", full_context)
    return render(request, template_name, full_context)
