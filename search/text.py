"""What a visitor typed, made safe to search for, and the highlighted snippets shown back.

Nothing here touches the database. The rules:

- A query is cut to ``MAX_QUERY_LENGTH`` characters after control characters are removed.
- Only words reach the search backend: letters and digits, joined with spaces. Quotes, ``*``,
  ``NEAR``/``AND``/``OR`` syntax, brackets and the like carry no meaning, so no backend's query
  language is ever exposed (every backend gets the same plain query).
- Matching ignores case and accents, and so does highlighting: "peru" marks "Perú".
- Highlighted text is escaped first; only our own ``<mark>`` tags are added to it.
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

_WHITESPACE_CONTROLS = {"\t", "\n", "\r", "\x0b", "\x0c"}
# A word: letters, digits and connectors (Unicode aware), as the backends' tokenizers see it.
_WORD = re.compile(r"\w+")
# "Fujimori's" searches for "Fujimori" (the possessive is not a word of its own).
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)


def _is_junk_char(char):
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean_query(raw):
    """Return ``(text, notes)`` for a raw ``?q=`` value.

    ``text`` is what is searched for and shown back; ``notes`` is a set of what was changed:
    ``"truncated"`` (longer than MAX_QUERY_LENGTH) and ``"control"`` (control or invisible
    formatting characters were removed). Either makes a query unfit for the query log.
    """
    notes = set()
    if not isinstance(raw, str):
        return "", notes
    kept = []
    for char in raw:
        if char in _WHITESPACE_CONTROLS:
            kept.append(" ")
        elif _is_junk_char(char):
            notes.add("control")
        else:
            kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept))
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        notes.add("truncated")
        text = text[:MAX_QUERY_LENGTH].rstrip()
    return text, notes


def search_terms(text):
    """The distinct words of a cleaned query, lowercased, at most MAX_TERMS of them."""
    terms = []
    for word in _WORD.findall(_POSSESSIVE.sub("", text)):
        word = word.lower()
        if word not in terms:
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


@functools.lru_cache(maxsize=8192)
def _fold_char(char):
    base = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in base if not unicodedata.combining(c)).lower()
    # Keep positions aligned: the first character of the folded form, or the character
    # itself when folding removes it entirely.
    return base[:1] or char


def fold(text):
    """Lowercase ``text`` and strip its accents, keeping one output character per input one.

    Keeping the length means a match found in the folded text is at the same place in the
    original, so the original can be highlighted.
    """
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


def _match_pattern(terms):
    folded_terms = sorted({fold(t) for t in terms if t}, key=len, reverse=True)
    if not folded_terms:
        return None
    # A term matches at the start of a word and takes the rest of that word, so "campaign"
    # marks "campaigns" (stemming backends find both).
    alternatives = "|".join(re.escape(t) for t in folded_terms)
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*")


def highlight(text, terms):
    """Escape ``text`` and wrap each word that matches one of ``terms`` in ``<mark>``."""
    text = text or ""
    pattern = _match_pattern(terms)
    if pattern is None:
        return escape(text)
    folded = fold(text)
    pieces = []
    position = 0
    for match in pattern.finditer(folded):
        start, end = match.span()
        pieces.append(escape(text[position:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece above is escaped)


def snippet(text, terms, length=SNIPPET_LENGTH):
    """A highlighted extract of ``text`` around the first matching word.

    Falls back to the start of the text when no word matches (the page matched on its title,
    its campaign or a stemmed form).
    """
    # Long bodies: the extract comes from the first MAX_SNIPPET_SOURCE characters.
    text = " ".join((text or "")[:MAX_SNIPPET_SOURCE].split())
    if not text:
        return ""
    pattern = _match_pattern(terms)
    first = pattern.search(fold(text)) if pattern else None
    start = 0
    if first and first.start() > length // 3:
        start = first.start() - length // 3
        # Begin at a word boundary.
        space = text.find(" ", start)
        if space != -1 and space < first.start():
            start = space + 1
    end = start + length
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > start:
            end = space
    extract = text[start:end]
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(escape(prefix) + highlight(extract, terms) + escape(suffix))  # noqa: S308
