"""The one pagination helper every listing uses.

`?page=` may be anything a visitor or a crawler types: junk or an out-of-range number
gives the nearest valid page, never an error.
"""

from django.core.paginator import Paginator

DEFAULT_PER_PAGE = 10


def paginate(request, object_list, per_page=DEFAULT_PER_PAGE, param="page", count=None):
    """Return the requested page of `object_list`, clamped to the pages that exist.

    `count`, when the caller knows it already (e.g. kept in the cache), spares the paginator
    its `COUNT(*)` query.
    """
    paginator = Paginator(object_list, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: this value is used instead
    raw = request.GET.get(param, "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 1
    number = min(max(number, 1), paginator.num_pages)
    page = paginator.page(number)
    page.elided_range = paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)
    return page
