from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from news import feeds as news_feeds
from psg import health, protections, seo
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
    # Wagtail's page password check (same address), with a limit on wrong passwords.
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        protections.authenticate_with_password,
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    path("", include(wagtail_urls)),
]

# The error pages render even without the database or collected static files (psg/errors.py).
handler404 = "psg.errors.page_not_found"
handler500 = "psg.errors.server_error"
