"""What the public "Popular searches" list is made of (search/stats.py, docs/search.md).

A search counts towards the list only if it found something, and once a day per visitor: a
``SearchVisit`` row per (query, visitor, day), kept in the database so that the rule holds
whatever the cache forgets. Editors take a query off the list with a ``HiddenSearch``.
"""

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.search.utils import normalise_query_string


class SearchVisit(models.Model):
    """One visitor found something for a query on a day (rows older than the list's window
    are deleted). The visitor is a keyed hash of the day, the client's address and browser:
    no address is stored, and the same visitor cannot be followed from one day to the next."""

    query_string = models.CharField(max_length=255)
    visitor = models.CharField(max_length=32)
    date = models.DateField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["query_string", "visitor", "date"], name="search_visit_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.query_string} ({self.date})"


class HiddenSearch(models.Model):
    """A query that never shows in the public list of popular searches."""

    query_string = models.CharField(
        "search",
        max_length=255,
        unique=True,
        help_text=(
            "The search as the Popular searches list shows it. Capitals and extra spaces "
            "do not matter."
        ),
    )
    created_at = models.DateTimeField("hidden on", auto_now_add=True)

    class Meta:
        ordering = ["query_string"]
        verbose_name = "hidden search"
        verbose_name_plural = "hidden searches"

    def __str__(self):
        return self.query_string

    def save(self, *args, **kwargs):
        self.query_string = normalise_query_string(self.query_string or "")
        super().save(*args, **kwargs)

    def clean(self):
        self.query_string = normalise_query_string(self.query_string or "")
        if not self.query_string:
            raise ValidationError({"query_string": "Type the search to hide."})
