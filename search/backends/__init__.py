"""Search backends for the site, chosen in settings (see docs/search.md).

They are Wagtail's own backends (django-modelsearch) with one change each: accents and
case never matter to a visitor, whichever engine answers.
"""
