"""Popular searches' visits and hidden queries (search/stats.py); editors' search synonyms."""

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.search.utils import normalise_query_string

from .synonyms import fold, forget


class SearchVisit(models.Model):
    """One visitor (a keyed hash: stats.visitor_digest) found something for a query on a day."""

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


class SearchSynonym(models.Model):
    """Words and phrases that mean the same to a visitor (search/synonyms.py)."""

    name = models.CharField(
        "subject",
        max_length=100,
        unique=True,
        help_text="What these words are about, e.g. “Human rights”. Only editors see it.",
    )
    terms = models.TextField(
        "words and phrases",
        help_text=(
            "Put each word or phrase on its own line, in any language, e.g. “derechos humanos” "
            "on one line and “human rights” on the next. A search for any of them also finds "
            "pages that use the others. Capitals and accents do not matter."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "search synonym"
        verbose_name_plural = "search synonyms"

    def __str__(self):
        return self.name

    @property
    def entries(self):
        return [line.strip() for line in self.terms.splitlines() if line.strip()]

    def clean(self):
        entries, seen = self.entries, set()
        for entry in entries:
            if not fold(entry):
                raise ValidationError({"terms": f"“{entry}” has no letters or numbers in it."})
            if fold(entry) in seen:
                raise ValidationError({"terms": f"“{entry}” is listed twice."})
            seen.add(fold(entry))
        if len(entries) < 2:
            raise ValidationError(
                {"terms": "Add at least two words or phrases, each on its own line."}
            )
        self.terms = "\n".join(entries)


models.signals.post_save.connect(forget, sender=SearchSynonym)
models.signals.post_delete.connect(forget, sender=SearchSynonym)
