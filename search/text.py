"""What a visitor typed, made safe to search for, and the highlighted snippets shown back.

Only a query's words reach a backend. Highlighting ignores case and accents ("peru" marks
"Perú"); text is escaped first, and only our own ``<mark>`` tags are added to it.
"""

import functools
import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
SNIPPET_LENGTH = 240
MAX_SNIPPET_SOURCE = 20_000

_WHITESPACE_CONTROLS = str.maketrans("\t\n\r\x0b\x0c", "     ")
_JUNK_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, format, surrogate, private, unassigned
# A word: letters, digits and connectors (Unicode aware), as the backends' tokenizers see it.
_WORD = re.compile(r"\w+")
# "Fujimori's" searches for "Fujimori" (the possessive is not a word of its own).
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)


def clean_query(raw):
    """``(text, notes)`` for a raw ``?q=``; notes: "truncated", "control" (characters removed).
    Either keeps the query out of the statistics."""
    spaced = raw.translate(_WHITESPACE_CONTROLS)
    text = "".join(char for char in spaced if unicodedata.category(char) not in _JUNK_CATEGORIES)
    notes = {"control"} if len(text) < len(spaced) else set()
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if len(text) > MAX_QUERY_LENGTH:
        notes.add("truncated")
        text = text[:MAX_QUERY_LENGTH].rstrip()
    return text, notes


def search_terms(text):
    """The distinct words of a cleaned query, lowercased, at most MAX_TERMS of them."""
    words = _WORD.findall(_POSSESSIVE.sub("", text))
    return list(dict.fromkeys(word.lower() for word in words))[:MAX_TERMS]


@functools.lru_cache(maxsize=8192)
def _fold_char(char):
    base = unicodedata.normalize("NFKD", char)
    return "".join(c for c in base if not unicodedata.combining(c)).lower()[:1] or char


def fold(text):
    """Lowercase ``text`` without accents, one character for each (so matches map back)."""
    return text.lower() if text.isascii() else "".join(map(_fold_char, text))


def _match_pattern(terms):
    folded_terms = {fold(t) for t in terms if t}
    if not folded_terms:
        return None
    # A term matches at the start of a word and takes the rest of that word, so "campaign"
    # marks "campaigns" (stemming backends find both). Terms are whole words, so whichever
    # alternative matches first, the match ends at the same place: their order does not matter.
    alternatives = "|".join(re.escape(t) for t in sorted(folded_terms))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*")


def highlight(text, terms):
    """Escape ``text`` and wrap each word that matches one of ``terms`` in ``<mark>``."""
    text = text or ""
    pattern = _match_pattern(terms)
    if pattern is None:
        return escape(text)
    pieces, position = [], 0
    for match in pattern.finditer(fold(text)):
        start, end = match.span()
        pieces += [escape(text[position:start]), f"<mark>{escape(text[start:end])}</mark>"]
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece above is escaped)


def snippet(text, terms, length=SNIPPET_LENGTH):
    """A highlighted extract of ``text`` around the first matching word, else its start."""
    text = " ".join((text or "")[:MAX_SNIPPET_SOURCE].split())
    if not text:
        return ""
    pattern = _match_pattern(terms)
    first = pattern.search(fold(text)) if pattern else None
    start = 0
    if first and first.start() > length // 3:
        start = first.start() - length // 3
        if -1 < (space := text.find(" ", start)) < first.start():
            start = space + 1  # begin at a word boundary
    end = start + length
    if end < len(text) and (space := text.rfind(" ", start, end)) > start:
        end = space
    prefix, suffix = "… " if start > 0 else "", " …" if end < len(text) else ""
    return mark_safe(escape(prefix) + highlight(text[start:end], terms) + escape(suffix))  # noqa: S308
