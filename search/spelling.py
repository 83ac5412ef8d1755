"""Spelling: a word that finds nothing is replaced by the closest word the index holds.

Never a word with matches, a synonym, a word under four letters or with digits. SQLite: one
edit away in the FTS5 vocabulary (re-read when the index changes, migration ``search.0006``),
most pages wins; PostgreSQL: ``pg_trgm`` over ``search_word``, then fewest edits;
Elasticsearch: the backend's term suggester. See docs/search.md.
"""

import logging
import string
import unicodedata

from django.db import DatabaseError, connection, transaction
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry
from wagtail.search.query import PlainText

from .synonyms import WORD, fold, groups

logger = logging.getLogger(__name__)
SHORTEST = 4


def correct(text):
    """``text`` with each word that finds nothing replaced, or None when nothing changes."""
    text = unicodedata.normalize("NFC", text)
    protected = {word for key in groups() for word in key.split()}
    typed = {fold(word) for word in WORD.findall(text)}
    typed = sorted(w for w in typed if len(w) >= SHORTEST and w.isalpha() and w not in protected)
    backend = get_search_backend()
    try:
        if hasattr(backend, "spelling_suggestions"):
            fixes = backend.spelling_suggestions(typed) if typed else {}
        else:
            fix = postgres_fix if connection.vendor == "postgresql" else sqlite_fix
            with transaction.atomic():
                fixes = {word: fix(word, backend) for word in typed}
    except DatabaseError:
        logger.exception("Spelling suggestions failed: none shown")
        return None
    fixes = {word: fix for word, fix in fixes.items() if fix and fix != word}
    if not fixes:
        return None
    return WORD.sub(lambda match: _same_case(match.group(0), fixes.get(fold(match.group(0)))), text)


def _same_case(typed, fix):
    if not fix:
        return typed
    if typed.isupper() and len(typed) > 1:
        return fix.upper()
    return fix.capitalize() if typed[0].isupper() else fix


def edits(word):
    """Every string one edit away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    letters = string.ascii_lowercase
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in letters}
        | {a + c + b for a, b in splits for c in letters}
    )


_vocabulary = {}  # database alias: (index token, frozenset of words)
FTS = f"{IndexEntry._meta.db_table}_fts"


def _pages_with(cursor, word, limit):
    cursor.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s LIMIT %s)",  # noqa: S608
        [f'"{word}"', limit],
    )
    return cursor.fetchone()[0]


def sqlite_vocabulary(cursor):
    cursor.execute("SELECT token FROM search_index_token")
    token = cursor.fetchone()[0]
    known = _vocabulary.get(connection.alias)
    if known and known[0] == token:
        return known[1]
    cursor.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocabulary "
        f"USING fts5vocab(main, {FTS}, row)"
    )
    cursor.execute("SELECT term FROM temp.search_vocabulary")
    words = frozenset(term for (term,) in cursor.fetchall() if term.isalpha())
    _vocabulary[connection.alias] = (token, words)
    return words


def sqlite_fix(word, backend=None):
    with connection.cursor() as cursor:
        if _pages_with(cursor, word, 1):
            return None
        candidates = sorted(edits(word) & sqlite_vocabulary(cursor))
        counted = [(-_pages_with(cursor, candidate, 100), candidate) for candidate in candidates]
    return min(counted)[1] if counted else None


def postgres_fix(word, backend):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM search_word WHERE word = %s", [word])
        if cursor.fetchone() or list(backend.search(PlainText(word), Page.objects.live())[:1]):
            return None
        cursor.execute(
            "SELECT word FROM search_word WHERE word %% %s "
            "ORDER BY similarity(word, %s) DESC, word LIMIT 10",
            [word, word],
        )
        candidates = [found for (found,) in cursor.fetchall()]
    near = edits(word)

    def cost(found):  # edits: 1 (a neighbour), 2 (a neighbour's neighbour) or more
        return 1 if found in near else 2 if near & edits(found) else 3

    best = min(candidates, key=cost, default=None)  # the most similar of the fewest edits
    return best if best and cost(best) <= (1 if len(word) <= 5 else 2) else None
