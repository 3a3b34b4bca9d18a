from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Pages through at most `max_pages` pages of a QuerySet; `is_capped` says there are more.

    A plain Paginator counts every matching row and reads every row before a deep page (an
    OFFSET): at 100,000 products the listing's COUNT(*) took 42 ms and its last page 263 ms.
    This one counts only up to the first row past the cap (a LIMIT inside the count), and serves
    no page past it: shoppers are told to narrow their search instead. A page number past the
    cap shows the last page, as `get_page()` does for any page that does not exist.
    """

    def __init__(self, object_list, per_page, *, max_pages, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.max_count = max_pages * self.per_page

    @cached_property
    def count(self):
        """How many objects the pages hold: all of them, or `max_count` if there are more."""
        return min(self._count_up_to_one_past_the_cap, self.max_count)

    @cached_property
    def is_capped(self):
        """Whether more objects match than the pages hold."""
        return self._count_up_to_one_past_the_cap > self.max_count

    @cached_property
    def _count_up_to_one_past_the_cap(self):
        # No order (sorting by relevance would rank every match) and only the key in the
        # subquery: SELECT COUNT(*) FROM (SELECT id ... LIMIT max_count + 1).
        return self.object_list.order_by().values("pk")[: self.max_count + 1].count()
