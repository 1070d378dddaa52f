from django.shortcuts import render

from ideology_office.common.navigation import WORK_AREAS

from .selectors import section_headcounts


def home(request):
    """The home page. The leaders' figures arrive with the dashboard issue; for now it shows
    the work areas and the office's people by section, read from the records."""
    headcounts = section_headcounts()
    chart = {
        "categories": [row["name"] for row in headcounts],
        "values": [row["headcount"] for row in headcounts],
    }
    return render(
        request,
        "dashboard/home.html",
        {"work_areas": WORK_AREAS, "headcount_chart": chart, "headcount_total": sum(chart["values"])},
    )
