"""Full-page cache for anonymous visitors, invalidated by generations (docs/performance.md).

The page cache stores and serves pages and reads the generation tokens; the changes that replace
them are turned into invalidations by psg (psg/invalidation.py), which works without this app.
"""

from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = "Page cache"
