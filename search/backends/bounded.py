"""Bounded ranking for the site search on the database backends.

Ranking a word that most pages contain means scoring every one of those pages, and counting
them means visiting every one: at 100,000 articles a common word costs hundreds of
milliseconds however few results are shown. The site search (``search.views``) asks for a
bounded search instead. When a query matches more than ``CANDIDATE_LIMIT`` pages:

- only the ``CANDIDATE_LIMIT`` most recently published matches are ranked, together with the
  ``TITLE_CANDIDATE_LIMIT`` most recently published pages whose *title* matches (so an older
  page named after the query is still found);
- "newest first" sorts the ``CANDIDATE_LIMIT`` most recently published matches;
- the number of results is not counted: ``is_capped(results)`` tells the page to say "more
  than 500 results".

Either way the matches are listed once, newest first, and then ranked (or sorted) among
themselves: the match is not tested twice and the results are not counted separately.

Both candidate lists are read newest first along the index on the publication date, stopping
as soon as enough matches are found, so a common word costs about as much as a rare one.
A query that matches ``CANDIDATE_LIMIT`` pages or fewer is ranked and counted in full, as
before. Searches elsewhere (the admin, Elasticsearch) are not bounded. See docs/search.md.

The query compilers of ``sqlite.py`` and ``postgres.py`` include ``BoundedRankingMixin`` with
bounding switched off; ``bounded_search()`` switches it on for one search.
"""

from functools import cache

from django.core.exceptions import FieldDoesNotExist
from modelsearch.query import PlainText

CANDIDATE_LIMIT = 500
TITLE_CANDIDATE_LIMIT = 50
# Suggestions show a few titles: they are ranked among the newest 50 that match, at most.
SUGGESTION_CANDIDATE_LIMIT = 50


class BoundedRankingMixin:
    """Query compiler mix-in. A vendor compiler provides ``match_queryset(config, title_only)``:
    its queryset narrowed to the pages that match the query (in the title only, if asked)."""

    # None: not bounded (the default: the admin's searches and any other caller).
    candidate_limit = None
    title_candidate_limit = 0
    # The compiler class without bounding, used to rank the chosen candidates.
    unbounded_class = None

    def match_queryset(self, config, title_only=False):
        raise NotImplementedError

    def recency_ordering(self):
        try:
            self.queryset.model._meta.get_field("first_published_at")
        except FieldDoesNotExist:
            return ["-pk"]
        return ["-first_published_at", "-pk"]

    def _newest_match_ids(self, config, limit, title_only=False):
        matches = self.match_queryset(config, title_only=title_only)
        return list(matches.order_by(*self.recency_ordering()).values_list("pk", flat=True)[:limit])

    def check(self):
        # A bounded search runs on its queryset in the database, so the queryset's filters
        # need not be index filter fields (the site search tests an article's campaign with
        # a correlated subquery, which the check cannot read).
        if self.candidate_limit is None:
            super().check()

    def bounded_applies(self):
        return (
            self.candidate_limit is not None
            and self.fields is None
            and isinstance(self.query, PlainText)
        )

    def candidate_ids(self, config):
        """The ids to rank (or sort), all of them matches; None when not bounded.

        Up to ``candidate_limit`` matches these are every match; beyond it, the newest
        ``candidate_limit`` and the newest title matches (``capped()`` is then true).
        """
        cached = getattr(self, "_candidates", None)
        if cached is not None and cached[0] == config:
            return cached[1]
        ids, capped = None, False
        if self.bounded_applies():
            ids = self._newest_match_ids(config, self.candidate_limit + 1)
            if len(ids) > self.candidate_limit:
                capped = True
                ids = ids[: self.candidate_limit]
                if self.order_by_relevance and self.title_candidate_limit:
                    chosen = set(ids)
                    titles = self._newest_match_ids(
                        config, self.title_candidate_limit, title_only=True
                    )
                    ids += [pk for pk in titles if pk not in chosen]
        self._candidates = (config, ids)
        self._capped = capped
        return ids

    def capped(self, config):
        self.candidate_ids(config)
        return self._capped

    def bounded_count(self, config):
        """How many results a bounded search has: its candidates, all of them matches."""
        ids = self.candidate_ids(config)
        return None if ids is None else len(ids)

    def effective_compiler(self, config):
        """None when not bounded; else a compiler of the unbounded class over the candidates."""
        ids = self.candidate_ids(config)
        if ids is None:
            return None
        return self.unbounded_class(
            self.queryset.filter(pk__in=ids),
            self.query,
            fields=self.fields,
            order_by_relevance=self.order_by_relevance,
        )


class BoundedResultsMixin:
    """Search results mix-in: a bounded search is counted without running the query again."""

    def _do_count(self):
        compiler = self.query_compiler
        if isinstance(compiler, BoundedRankingMixin):
            total = compiler.bounded_count(compiler.get_config(self.backend))
            if total is not None:
                count = total - self.start
                if self.stop is not None:
                    count = min(count, self.stop - self.start)
                return max(count, 0)
        return super()._do_count()


@cache
def bounded_compiler_class(compiler_class, candidate_limit, title_candidate_limit):
    """``compiler_class`` with bounding switched on."""
    return type(
        f"Bounded{compiler_class.__name__}",
        (compiler_class,),
        {
            "candidate_limit": candidate_limit,
            "title_candidate_limit": title_candidate_limit,
            "unbounded_class": compiler_class,
        },
    )


def _bounded(backend, compiler_class, query, queryset, title_candidates, **kwargs):
    compiler_class = bounded_compiler_class(
        compiler_class, CANDIDATE_LIMIT, TITLE_CANDIDATE_LIMIT if title_candidates else 0
    )
    return backend._search(compiler_class, query, queryset, **kwargs)


def supports_bounding(backend):
    """Whether ``backend`` is one of the site's database backends (bounded searches)."""
    return issubclass(backend.query_compiler_class, BoundedRankingMixin)


def bounded_search(backend, queryset, query, order_by_relevance=True):
    """``queryset.search(query)`` with bounded ranking where the backend supports it."""
    if not supports_bounding(backend):
        return backend.search(query, queryset, order_by_relevance=order_by_relevance)
    return _bounded(
        backend,
        backend.query_compiler_class,
        query,
        queryset,
        title_candidates=True,
        order_by_relevance=order_by_relevance,
    )


def bounded_autocomplete(backend, queryset, query):
    """``queryset.autocomplete(query)``, bounded the same way (it matches titles already, so
    there is no separate list of title matches)."""
    if not issubclass(backend.autocomplete_query_compiler_class, BoundedRankingMixin):
        return backend.autocomplete(query, queryset)
    compiler_class = bounded_compiler_class(
        backend.autocomplete_query_compiler_class, SUGGESTION_CANDIDATE_LIMIT, 0
    )
    return backend._search(compiler_class, query, queryset)


def is_capped(results):
    """Whether these search results were bounded (more than CANDIDATE_LIMIT matches)."""
    compiler = getattr(results, "query_compiler", None)
    if not isinstance(compiler, BoundedRankingMixin) or compiler.candidate_limit is None:
        return False
    return compiler.capped(compiler.get_config(results.backend))
