"""Read captures of the old PSG home page (see content/legacy/).

The shape, as in `psg-homepage-2006.txt`::

    • Keiko Fujimori elected to Congress      <- an item: a bullet at the start of a line

        31 May 2006                           <- optional date: the item is a news article

        Although Fujimori is overseas …       <- indented text: one paragraph per line

      • Why join the PSG?                     <- an undated item: a section of the home page

        • Keep up to date with …              <- indented bullets: a list of reasons
        Become a member                       <- text after the list: the button's label

Parsing is separate from importing, so that a malformed file is rejected, with the line
that is wrong, before anything is written.
"""

import datetime
import re
from dataclasses import dataclass, field

BULLET = "•"
ITEM_RE = re.compile(r"^(?P<indent>[ \t]{0,3})" + BULLET + r"\s*(?P<title>.*?)\s*$")
DATE_LIKE_RE = re.compile(r"^\d{1,2}\s+[A-Za-z]+\s+\d{4}$")
DATE_FORMATS = ("%d %B %Y", "%d %b %Y")


class LegacyFormatError(ValueError):
    """The file does not have the expected shape; `line` is 1-based."""

    def __init__(self, line, message, path=None):
        self.line = line
        self.path = path
        self.message = message
        where = f"{path}, line {line}" if path else f"line {line}"
        super().__init__(f"{where}: {message}")


@dataclass
class LegacyItem:
    """One bullet of the old page: a dated news item or an undated section."""

    title: str
    line: int
    date: datetime.date | None = None
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    # Text that follows a list of bullets, e.g. "Become a member".
    action: str = ""

    @property
    def is_news(self):
        return self.date is not None


@dataclass
class LegacyDocument:
    news: list[LegacyItem]
    sections: list[LegacyItem]


def parse_date(text, line):
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise LegacyFormatError(line, f"'{text}' looks like a date but is not one (e.g. 31 May 2006)")


def parse(text, path=None):
    """Parse the text of a capture into news items and sections."""
    try:
        return _parse(text)
    except LegacyFormatError as error:
        if path is not None:
            raise LegacyFormatError(error.line, error.message, path) from None
        raise


def _parse(text):
    if "\x00" in text:
        raise LegacyFormatError(text[: text.index("\x00")].count("\n") + 1, "contains a NUL byte")
    items = []
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        # Text is kept as written (no-break spaces included); only the layout is read.
        line = raw.rstrip()
        if not line.strip():
            continue
        item_match = ITEM_RE.match(line)
        if item_match:
            title = item_match.group("title")
            if not title:
                raise LegacyFormatError(number, "a bullet with no title")
            current = LegacyItem(title=title, line=number)
            items.append(current)
            continue
        if current is None:
            raise LegacyFormatError(
                number, f"text before the first item ('{line.strip()[:60]}'): items start with •"
            )
        if not raw.startswith((" ", "\t")):
            raise LegacyFormatError(
                number, f"text of '{current.title}' must be indented ('{line.strip()[:60]}')"
            )
        _add_line(current, line.strip(), number)

    if not items:
        raise LegacyFormatError(1, "no items found: items start with • at the start of a line")
    seen = {}
    for item in items:
        if not (item.paragraphs or item.bullets):
            raise LegacyFormatError(item.line, f"'{item.title}' has no text")
        key = (item.title.casefold(), item.date)
        if key in seen:
            raise LegacyFormatError(
                item.line, f"'{item.title}' appears twice (first at line {seen[key]})"
            )
        seen[key] = item.line
    return LegacyDocument(
        news=[item for item in items if item.is_news],
        sections=[item for item in items if not item.is_news],
    )


def _add_line(item, text, number):
    if not (item.paragraphs or item.bullets or item.date) and DATE_LIKE_RE.match(text):
        item.date = parse_date(text, number)
    elif text.startswith(BULLET):
        bullet = text[len(BULLET) :].strip()
        if not bullet:
            raise LegacyFormatError(number, "a bullet with no text")
        if item.action:
            raise LegacyFormatError(number, f"a bullet after the closing text of '{item.title}'")
        item.bullets.append(bullet)
    elif item.bullets:
        if item.action:
            raise LegacyFormatError(number, f"more than one line after the list of '{item.title}'")
        item.action = text
    else:
        item.paragraphs.append(text)
