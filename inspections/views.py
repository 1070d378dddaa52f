from ideology_office.common.views import work_area_index


def index(request):
    return work_area_index(request, "inspections")
