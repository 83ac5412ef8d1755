"""RSS 2.0 and Atom feeds of the news, for the whole site or for one campaign.

    /news/feed/                        RSS 2.0, every article
    /news/feed/atom/                   Atom 1.0, every article
    /news/feed/?campaign=<slug>        RSS 2.0, one campaign's articles (the same
    /news/feed/atom/?campaign=<slug>   `?campaign=` the news list's filter uses)

An unknown campaign gives a 404 rather than an empty feed, so a mistyped subscription is
noticed. Only a known campaign is accepted for the page cache (psg/variants.py): a feed
with any other query string is rendered every time. Links are absolute (the site's configured
address). Only live, public articles appear; the feed is built from one query with the
StreamFields deferred.
"""

import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from wagtail.models import Site

from campaigns.models import CampaignPage
from news.models import NewsArticlePage, NewsIndexPage
from psg import sitedata, variants

FEED_ITEMS = 20


def site_for(request):
    return Site.find_for_request(request) or Site.objects.get(is_default_site=True)


class NewsFeed(Feed):
    feed_type = Rss201rev2Feed
    language = "en-gb"

    request = None

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        slug = request.GET.get("campaign", "").strip()
        if not slug:
            return None
        campaign = sitedata.public(CampaignPage.objects.live(), request).filter(slug=slug).first()
        if campaign is None:
            raise Http404(f"There is no campaign called “{slug}”.")
        variants.accept(request, "campaign")
        return campaign

    def site_name(self):
        return site_for(self.request).site_name or "Peru Support Group"

    def title(self, campaign):
        if campaign:
            return f"{campaign.title}: news from the {self.site_name()}"
        return f"{self.site_name()}: news"

    def description(self, campaign):
        if campaign:
            return campaign.summary
        return f"News on human rights and development in Peru from the {self.site_name()}."

    subtitle = description

    def link(self, campaign):
        if campaign:
            return campaign.get_full_url(self.request)
        index = sitedata.public(NewsIndexPage.objects.live(), self.request).first()
        return index.get_full_url(self.request) if index else site_for(self.request).root_url

    def feed_url(self, campaign):
        url = self.request.path
        if campaign:
            url += f"?campaign={campaign.slug}"
        return site_for(self.request).root_url + url

    def items(self, campaign):
        articles = (
            sitedata.public(NewsArticlePage.objects.live(), self.request)
            .defer_streamfields()
            .prefetch_related("topics")
            .order_by("-date", "-pk")
        )
        if campaign:
            articles = articles.filter(campaigns=campaign)
        return articles[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_guid(self, item):
        # Stable when an editor changes the title or the address: a tag URI of the page's id.
        return f"tag:{site_for(self.request).hostname},2006:news-article-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        # Midday on the article's date in the UK, so the date never slips a day in any time zone
        # a reader's software converts to.
        return timezone.make_aware(
            datetime.datetime.combine(item.date, datetime.time(12, 0)),
            timezone.get_default_timezone(),
        )

    def item_updateddate(self, item):
        return item.last_published_at or self.item_pubdate(item)

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]

    def item_author_name(self, item):
        return self.site_name()


class AtomNewsFeed(NewsFeed):
    feed_type = Atom1Feed


# A feed object keeps the request it answers, so each request gets its own.
def rss_feed(request):
    return NewsFeed()(request)


def atom_feed(request):
    return AtomNewsFeed()(request)
