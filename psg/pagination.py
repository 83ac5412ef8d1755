"""The one pagination helper every listing uses.

`?page=` may be anything a visitor or a crawler types: junk or an out-of-range number
gives the nearest valid page, never an error. Only the number of a page that exists, written
plainly (`2`, not `02`), is accepted as a listing parameter the page cache may store
(psg/variants.py); the nearest page shown for anything else is rendered every time.

Pages in the second half of a list are read from its other end: the last page of 100,000
articles is the first ten rows in the reverse order, turned round, rather than ten rows after
`OFFSET 99,990` (which the database reads and throws away). A page in the middle still reads
up to half the list; the first and last pages, the ones visitors and crawlers ask for most,
read only their own rows.
"""

from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet

from psg import variants

DEFAULT_PER_PAGE = 10
UNIQUE_LAST_KEYS = {"pk", "id", "page_ptr", "page_ptr_id"}


def reversible(object_list):
    """A queryset whose order ends with the primary key: a total order, so reading it
    backwards gives exactly the same rows in the opposite order."""
    if not isinstance(object_list, QuerySet) or object_list.query.is_sliced:
        return False
    order = list(object_list.query.order_by)
    return bool(order) and isinstance(order[-1], str) and order[-1].lstrip("-") in UNIQUE_LAST_KEYS


class Paginator(DjangoPaginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom <= self.count // 2 or not reversible(self.object_list):
            return super().page(number)
        rows = list(self.object_list.reverse()[self.count - top : self.count - bottom])
        rows.reverse()
        return self._get_page(rows, number, self)


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
    if raw == str(number):
        variants.accept(request, param)
    page = paginator.page(number)
    page.elided_range = paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)
    return page
