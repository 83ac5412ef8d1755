"""Which listing parameters of a request named something that exists (the page cache reads it).

The code that reads a listing parameter (`page`, `campaign`, `topic`, `year`) knows whether its
value is real: a page of the list that exists, a live campaign, a known topic, a year that has
news. It says so with `accept(request, name)`. The page cache stores a response whose address
has a query string only when every parameter in it was accepted while the response was made:
anything else a visitor or a crawler types (an unknown campaign, page 999, a parameter on a page
that does not list anything) is rendered as usual and not stored.
"""

ATTRIBUTE = "_pagecache_accepted_params"


def accept(request, *names):
    """The response to `request` read the listing parameters `names`, and each named
    something that exists."""
    accepted = getattr(request, ATTRIBUTE, None)
    if accepted is None:
        accepted = set()
        setattr(request, ATTRIBUTE, accepted)
    accepted.update(names)


def accepted(request):
    return getattr(request, ATTRIBUTE, frozenset())
