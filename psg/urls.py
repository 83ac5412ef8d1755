from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from news import feeds as news_feeds
from psg import health, seo
from search import views as search_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", search_views.search, name="search"),
    path("news/feed/", news_feeds.rss_feed, name="news_feed"),
    path("news/feed/atom/", news_feeds.atom_feed, name="news_feed_atom"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("healthz/", health.healthz, name="healthz"),
    path("search/suggest/", search_views.suggest, name="search_suggest"),
    path("", include("editorial.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    path("", include(wagtail_urls)),
]

# The 500 page renders without the database or context processors (see psg/seo.py).
handler500 = "psg.seo.server_error"
