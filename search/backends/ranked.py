"""Bounded ranking for the database backends (docs/search.md, "Speed").

The matches are read once, newest first, up to ``CANDIDATES`` (plus the ``TITLE_CANDIDATES``
newest title matches when there are more), scored in the same statement and sorted here.
modelsearch's own results fetch through the compiler's ``search`` below; ``_do_count`` is
pinned by tests/test_search_bounded.py.
"""

from django.db.models import BigIntegerField, Exists, OuterRef
from django.db.models.functions import Cast
from modelsearch.query import MatchAll, Not
from modelsearch.utils import get_descendants_content_types_pks

CANDIDATES = 1000
TITLE_CANDIDATES = 100
INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}


class RankedCompilerMixin:
    """A vendor compiler provides ``newest(config, limit, title_only, scored)``:
    ``[(object_id, score)]`` (higher is better; 0 unless ``scored``) for the newest ``limit``
    matches that ``visible`` keeps, newest first."""

    title_candidates = True  # autocomplete matches one column: no title candidates
    candidates = None  # None: CANDIDATES

    def content_types(self):
        return get_descendants_content_types_pks(self.queryset.model)

    def visible(self, object_id):
        pages = self.queryset.order_by().filter(pk=Cast(OuterRef(object_id), BigIntegerField()))
        return Exists(pages)

    def bounded(self):
        pk_type = self.queryset.model._meta.pk.get_internal_type()
        return (
            self.fields is None
            and pk_type in INTEGER_KEYS
            and not isinstance(self.query, (Not, MatchAll))
        )

    def ranked(self, config):
        """([(pk, score)] best first, capped): computed once for every slice of the results."""
        if getattr(self, "_ranked", None) is None:
            limit = self.candidates or CANDIDATES
            # "Newest first" needs no scores: they read every chosen body (PostgreSQL).
            rows = self.newest(config, limit + 1, scored=self.order_by_relevance)
            capped = len(rows) > limit
            scores = dict(rows[:limit])
            if capped and self.title_candidates and self.order_by_relevance:
                for object_id, score in self.newest(config, TITLE_CANDIDATES, True):
                    scores.setdefault(object_id, score)
            to_pk = self.queryset.model._meta.pk.to_python
            ranked = sorted(
                ((to_pk(o), s) for o, s in scores.items()), key=lambda r: (-r[1], -r[0])
            )
            self._ranked = (ranked, capped)
        return self._ranked

    def search(self, config, start, stop, score_field=None, **kwargs):
        if not self.bounded():
            return super().search(config, start, stop, score_field=score_field, **kwargs)
        ranked, _capped = self.ranked(config)
        if not self.order_by_relevance:
            queryset = self.queryset.filter(pk__in=[pk for pk, _score in ranked])
            if not queryset.query.order_by:
                queryset = queryset.order_by("-pk")
            return queryset[start:stop]
        shown = ranked[start:stop]
        objects = self.queryset.in_bulk([pk for pk, _score in shown])
        for pk, score in shown:
            if score_field and pk in objects:
                setattr(objects[pk], score_field, score)
        return [objects[pk] for pk, _score in shown if pk in objects]


class RankedResultsMixin:
    """Search results mix-in: bounded searches are counted from their candidates (modelsearch's
    results already fetch through the compiler's ``search``)."""

    def _config(self):
        return self.query_compiler.get_config(self.backend)

    def _do_count(self):
        if not self.query_compiler.bounded():
            return super()._do_count()
        total = len(self.query_compiler.ranked(self._config())[0])
        stop = total if self.stop is None else min(total, self.stop)
        return max(stop - self.start, 0)

    @property
    def capped(self):
        """Whether there were more matches than were ranked and counted."""
        return self.query_compiler.bounded() and self.query_compiler.ranked(self._config())[1]
