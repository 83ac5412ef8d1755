"""Index entries built a batch at a time, for the database backends.

The stock database indexes read every search field of an object once for each column they
fill (title, body, autocomplete, and on PostgreSQL the plain title and body texts too), and
follow each related field through its manager every time. Modelsearch does not prefetch
``ParentalManyToManyField``s, so an article's campaigns and topics cost six queries an article
on SQLite and ten on PostgreSQL, and its StreamField body is turned into text three or five
times. ``update_index`` at 10,000 articles took ten minutes.

Here, for each batch of objects:

- the related objects named by ``RelatedFields`` (many-to-many, parental many-to-many, child
  objects) are fetched with one query per relation for the whole batch;
- each object's search fields are read once, and every column is made from that one reading;
- the entries are written with one insert-or-update statement per batch.

The text that ends up in each column is the same as the stock indexers produce. An object
whose relations were changed in memory and not yet saved (modelcluster keeps those on the
instance) is indexed with the in-memory state, as the stock indexers do.

During a full rebuild, the title length norms (used for PostgreSQL ranking) are worked out once
at the end for the whole table, rather than after every batch.

This module holds what both databases share; the index classes that write the entries are in
``sqlite.py`` and ``postgres.py`` (each imported only on its own database).
"""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Avg, F, prefetch_related_objects
from django.db.models.functions import Length
from django.utils.functional import cached_property
from modelsearch.index import AutocompleteField, RelatedFields, SearchField
from modelsearch.utils import get_content_type_pk


def _many_relation_names(model):
    """Names of the many-valued relations that ``model``'s search fields follow."""
    names = []
    for field in model.get_search_fields():
        if not isinstance(field, RelatedFields):
            continue
        try:
            relation = field.get_field(model)
        except FieldDoesNotExist:  # a property or method, not a model relation
            continue
        if relation.many_to_many or relation.one_to_many:
            names.append(field.field_name)
    return names


def prefetch_search_relations(model, objs):
    """Fetch the related objects every object of the batch is indexed with, in bulk."""
    names = _many_relation_names(model)
    if objs and names:
        prefetch_related_objects(objs, *names)


def related_objects(obj, field):
    """The objects a ``RelatedFields`` reaches from ``obj``: prefetched ones when possible."""
    in_memory = getattr(obj, "_cluster_related_objects", None) or {}
    prefetched = getattr(obj, "_prefetched_objects_cache", None) or {}
    if field.field_name not in in_memory and field.field_name in prefetched:
        return list(prefetched[field.field_name])
    value = field.get_value(obj)
    if value is None:
        return []
    if hasattr(value, "all"):
        return list(value.all())
    if callable(value):
        value = value()
    return [value]


class ReadOnceIndexerMixin:
    """Object indexer mix-in: read the search fields once, follow prefetched relations."""

    def prepare_field(self, obj, field):
        if isinstance(field, RelatedFields):
            for sub_obj in related_objects(obj, field):
                for sub_field in field.fields:
                    yield from self.prepare_field(sub_obj, sub_field)
            return
        yield from super().prepare_field(obj, field)

    @cached_property
    def prepared(self):
        """Every (field, …, text) the search fields give for this object, in their order."""
        return [
            item for field in self.search_fields for item in self.prepare_field(self.obj, field)
        ]

    def _texts(self, kind, keep):
        """The prepared items of one kind ('title', 'body', 'autocomplete'), shaped by ``keep``."""
        selected = []
        for item in self.prepared:
            field = item[0]
            if kind == "autocomplete":
                wanted = isinstance(field, AutocompleteField)
            else:
                wanted = isinstance(field, SearchField) and (
                    (field.field_name == "title") == (kind == "title")
                )
            if wanted:
                selected.append(keep(item))
        return selected


class BatchIndexMixin:
    """``add_items`` for a database index: prefetch, read once, one write per batch."""

    indexer_class = None
    # Set by the rebuilder while ``update_index`` runs: norms are worked out once at the end.
    defer_title_norms = False

    def _indexers(self, model, objs):
        objs = list(objs)
        prefetch_search_relations(model, objs)
        # One entry per object (the last reading wins, as in the stock indexers).
        indexers = {}
        for obj in objs:
            indexer = self.indexer_class(obj, self.backend)
            indexers[indexer.id] = indexer
        return list(indexers.values())

    def add_items(self, model, objs):
        if not model.get_search_fields():
            return
        indexers = self._indexers(model, objs)
        if not indexers:
            return
        content_type_pk = get_content_type_pk(model)
        self.write_entries(content_type_pk, indexers)
        if not self.defer_title_norms:
            self.refresh_title_norms_of(content_type_pk, [indexer.id for indexer in indexers])

    def refresh_title_norms_of(self, content_type_pk, object_ids):
        """Set the title norm of just these entries (the stock indexes do this table-wide)."""
        entries = self.entries.annotate(title_length=Length("title")).filter(title_length__gt=0)
        average = entries.aggregate(Avg("title_length"))["title_length__avg"]
        if average is None:
            return
        entries.filter(content_type_id=content_type_pk, object_id__in=object_ids).update(
            title_norm=average / F("title_length")
        )


class DeferredNormsRebuilderMixin:
    """Full rebuilds: no per-batch title norms; the rebuild's end sets them table-wide."""

    def start(self):
        index = super().start()
        index.defer_title_norms = True
        return index

    def finish(self):
        self.index.defer_title_norms = False
        super().finish()
