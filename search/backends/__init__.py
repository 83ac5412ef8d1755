"""Search backends for the site, chosen in settings (see docs/search.md)."""
