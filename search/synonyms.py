"""Search synonyms (Snippets > Search synonyms) and the query they widen (docs/search.md).

The groups are read once and cached until one is saved or deleted. ``parse("derechos humanos
en Puno")`` gives ``And([Or([Phrase("derechos humanos"), Phrase("human rights")]),
PlainText("en puno")])``: objects every backend compiles, so no reindexing is needed.
"""

import re
import unicodedata

from django.core.cache import cache
from django.db import transaction
from wagtail.search.query import And, Or, Phrase, PlainText

CACHE_KEY = "search:synonyms"
CACHE_SECONDS = 600  # a bound on staleness should the cache miss a deletion while away
WORD = re.compile(r"[^\W_]+")


def words(text):
    """The words of ``text`` as the search index sees them: lower case, without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return WORD.findall(plain.casefold())


def fold(text):
    """The words of ``text`` joined by spaces ("Comisión de la Verdad": "comision de la verdad")."""
    return " ".join(words(text))


def groups():
    """``{folded word or phrase: [the other words and phrases of its groups]}``."""
    from .models import SearchSynonym

    table = cache.get(CACHE_KEY)
    if table is None:
        table = {}
        for group in SearchSynonym.objects.all():
            entries = [entry for entry in group.entries if fold(entry)]
            for entry in entries:
                others = table.setdefault(fold(entry), [])
                for other in entries:
                    if fold(other) != fold(entry) and fold(other) not in map(fold, others):
                        others.append(other)
        cache.set(CACHE_KEY, table, CACHE_SECONDS)
    return table


def forget(**kwargs):
    """Drop the cached groups now and once the change is committed (a search in between may
    have cached them as they were)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def _entry(text):
    return Phrase(text) if len(words(text)) > 1 else PlainText(text)


def parse(text):
    """The query for ``text``: each synonym entry in it (longest first) may be matched by any
    entry of its group; a plain search for all the words when none has synonyms."""
    table = groups()
    tokens = words(text)
    longest = max((len(key.split()) for key in table), default=0)
    parts, plain, start = [], [], 0
    while start < len(tokens):
        for size in range(min(longest, len(tokens) - start), 0, -1):
            key = " ".join(tokens[start : start + size])
            if key in table:
                if plain:
                    parts.append(PlainText(" ".join(plain), operator="and"))
                    plain = []
                parts.append(Or([_entry(key), *map(_entry, table[key])]))
                start += size
                break
        else:
            plain.append(tokens[start])
            start += 1
    if not any(isinstance(part, Or) for part in parts):
        return PlainText(text, operator="and")
    if plain:
        parts.append(PlainText(" ".join(plain), operator="and"))
    return parts[0] if len(parts) == 1 else And(parts)
