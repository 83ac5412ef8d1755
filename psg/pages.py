"""What a page type says about itself: the facts the page cache and search read.

Every PSG page type mixes in `PageFacts` and overrides only the facts that differ from the safe
defaults below. Nothing outside a page's own class keeps a list of page types: the page cache
asks the class what its cached page shows and what its changes invalidate, search asks the page
for its label and summary, listings ask the class for its card fields.

Safe defaults: an unknown type's cached page depends on every group, a change to it invalidates
every group, it is labelled "Page" in search results and its summary is its search description.
"""

from django.utils.html import strip_tags

from psg.forms import PSGPageForm
from psg.generations import CAMPAIGNS, EVERY_GROUP, NEWS

# The groups a page type names in `cache_shows` and `cache_changes` (imported from here by the
# page classes, so that declaring facts needs this module only; EVERY_GROUP grows with
# psg.generations).
__all__ = ["CAMPAIGNS", "EVERY_GROUP", "NEWS", "PageFacts"]


class PageFacts:
    # The page editor's form: refuses impossible dates, asks before a past go-live date
    # (psg/forms.py).
    base_form_class = PSGPageForm
    # The groups of content (psg.generations: NEWS, CAMPAIGNS) that this type's page shows,
    # so its cached copy is replaced when any of them changes. None: every group.
    cache_shows = None
    # The groups that change when a page of this type is published, changed, unpublished or
    # deleted. None: every group.
    cache_changes = None
    # The label of this type in search results ("News", "Campaign", "Page").
    search_label = "Page"
    # Fields to load for a card of this type in listings (title, URL and summary at least).
    card_fields = ("title", "url_path", "path", "depth")
    # Fields tried in order for the page's one-paragraph summary.
    summary_fields = ("search_description",)

    @classmethod
    def shows_groups(cls):
        return EVERY_GROUP if cls.cache_shows is None else frozenset(cls.cache_shows)

    @classmethod
    def changes_groups(cls):
        return EVERY_GROUP if cls.cache_changes is None else frozenset(cls.cache_changes)

    def summary_text(self):
        """The first non-empty of `summary_fields`, as plain text ("" when all are empty)."""
        for name in self.summary_fields:
            value = getattr(self, name, "")
            if value:
                text = " ".join(strip_tags(str(value)).split())
                if text:
                    return text
        return ""
