"""News: the index at /news/, articles, and the fixed vocabulary of topics."""

import datetime

from django import forms
from django.db import models
from django.db.models.functions import Cast, Substr
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PreviewableMixin
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from campaigns.models import CampaignPage
from psg import generations, sitedata, variants
from psg.blocks import BodyStreamBlock
from psg.images import images_in, only_for_cards, prefetch_renditions
from psg.pages import CAMPAIGNS, NEWS, PageFacts
from psg.pagination import paginate
from psg.previews import ArticleCardPreviewMixin, SocialPreviewMixin
from psg.routing import RoutedPageMixin
from psg.structure import StructuralPageMixin

NEWS_PER_PAGE = 10
RELATED_COUNT = 3


@register_snippet
class Topic(PreviewableMixin, index.Indexed, models.Model):
    """A subject articles are filed under. Editors manage the list; articles pick from it."""

    name = models.CharField(max_length=80, unique=True, help_text="E.g. 'Mining', 'Justice'.")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="Used in web addresses, e.g. /news/?topic=mining. Lowercase, no spaces.",
    )
    description = models.TextField(
        blank=True, help_text="Optional: what belongs under this topic, for other editors."
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    # Preview: the topic's tag as articles show it, its place in the news list's filter and
    # the latest articles filed under it (none for a topic that is not saved yet).
    PREVIEW_ARTICLES = 4

    def get_preview_template(self, request, mode_name):
        return "editorial/preview_topic.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        articles = NewsArticlePage.objects.none()
        if self.pk is not None:
            articles = (
                sitedata.public(NewsArticlePage.objects.live(), request)
                .filter(topics=self)
                .order_by("-date", "-pk")[: self.PREVIEW_ARTICLES]
            )
        context["topic"] = self
        context["articles"] = list(articles)
        context["news_index"] = NewsIndexPage.objects.live().first()
        return context


class NewsIndexPage(PageFacts, StructuralPageMixin, SocialPreviewMixin, RoutedPageMixin, Page):
    intro = models.TextField(
        blank=True, help_text="A sentence or two shown above the list of news articles."
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["news.NewsArticlePage"]
    max_count = 1

    class Meta:
        verbose_name = "News index"

    # What this page type says about itself (psg/pages.py).
    cache_shows = (NEWS, CAMPAIGNS)
    cache_changes = ()
    summary_fields = ("intro", "search_description")

    def articles(self, request=None):
        """Every live, public article under this index, newest first (one query)."""
        return only_for_cards(
            sitedata.public(NewsArticlePage.objects.live(), request).descendant_of(self),
            NewsArticlePage.card_fields,
        ).order_by("-date", "-pk")

    def filter_articles(self, request, articles=None):
        """Apply the shareable filters `?campaign=`, `?topic=` and `?year=`.

        Returns the filtered queryset and the filters that were understood. An unknown
        campaign, topic or year matches nothing: the page says so rather than failing.
        """
        articles = self.articles(request) if articles is None else articles
        active = {}
        campaign_slug = request.GET.get("campaign", "").strip()
        topic_slug = request.GET.get("topic", "").strip()
        year = request.GET.get("year", "").strip()
        # Each filter is one test of the article's own links ("is there a link to this
        # campaign?"), not a join: the newest matches are then found by walking the date
        # index, where a join would read, de-duplicate and sort every match (tens of
        # thousands for a campaign of a large site).
        if campaign_slug:
            campaign = active["campaign"] = find_by_slug(campaign_choices(request), campaign_slug)
            articles = filed_under(
                articles, NewsArticlePage.campaigns.through, "campaignpage_id", campaign
            )
        if topic_slug:
            topic = active["topic"] = find_by_slug(topic_choices(), topic_slug)
            articles = filed_under(articles, NewsArticlePage.topics.through, "topic_id", topic)
        if year:
            active["year"] = year
            if year.isdigit() and len(year) == 4:
                articles = articles.filter(date__year=int(year))
            else:
                articles = articles.none()
        return articles, active

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # One base queryset for the list and the year filter (one privacy check, not two).
        base = self.articles(request)
        articles, active = self.filter_articles(request, base)
        years = self.cached_years(request, base)
        known = known_filters(active, years)
        page = paginate(
            request,
            articles,
            per_page=NEWS_PER_PAGE,
            count=self.cached_count(articles, active, known),
        )
        # Picture renditions of the listed articles in one query, their campaign and topic
        # tags in one more.
        page.object_list = list(page.object_list)
        prefetch_renditions(article.image for article in page.object_list)
        campaigns = campaign_choices(request)
        attach_tags(page.object_list, campaigns)
        variants.accept(request, *known)
        context.update(
            articles_page=page,
            active_filters=active,
            filters_applied=bool(active),
            filter_campaigns=campaigns,
            filter_topics=topic_choices(),
            filter_years=years,
        )
        return context

    def cached_count(self, articles, active, known):
        """How many articles the list (with its filters) has, kept in the cache until an
        article or a view restriction changes. Counting scans every matching
        article, which grows with the news; only filters that name a known campaign, topic or
        year with news (`known`) are kept (anything a visitor types would otherwise make a
        new cache entry)."""
        if self.pk is None or set(active) - set(known):
            return None
        year = active.get("year", "")
        campaign, topic = active.get("campaign"), active.get("topic")
        key = ":".join(
            [
                f"psg:news:count:{self.pk}",
                campaign.slug if campaign else "",
                topic.slug if topic else "",
                year,
            ]
        )
        return generations.cached(
            key,
            [generations.GLOBAL, generations.NEWS],
            articles.count,
        )

    def cached_years(self, request=None, articles=None):
        """years(), kept in the cache until an article or a view restriction changes."""
        if self.pk is None:
            return self.years(articles)
        return generations.cached(
            f"psg:news:years:{self.pk}",
            [generations.GLOBAL, generations.NEWS],
            lambda: self.years(articles if articles is not None else self.articles(request)),
        )

    def years(self, articles=None):
        """The years that have articles, newest first.

        The year is the first four characters of the ISO date, worked out by the database
        itself: `.dates()` would run a Python function for every article on SQLite.
        """
        articles = self.articles() if articles is None else articles
        years = (
            articles.order_by()
            .annotate(year=Substr(Cast("date", models.CharField()), 1, 4))
            .values_list("year", flat=True)
            .distinct()
        )
        return sorted({int(year) for year in years}, reverse=True)


class NewsArticlePage(PageFacts, ArticleCardPreviewMixin, RoutedPageMixin, Page):
    date = models.DateField(
        "Article date",
        default=datetime.date.today,
        help_text="The date shown on the article. Articles are listed newest first by this date.",
    )
    summary = models.TextField(
        max_length=500,
        help_text="The opening one or two sentences. Shown in bold at the top of the article, in "
        "news listings, feeds and search results, and when the article is shared.",
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional picture for the top of the article and its card in listings.",
    )
    body = StreamField(
        BodyStreamBlock(),
        blank=True,
        help_text="The article itself: text, headings, pictures, quotes, videos and documents.",
    )
    campaigns = ParentalManyToManyField(
        "campaigns.CampaignPage",
        blank=True,
        related_name="news_articles",
        help_text="The campaigns this article belongs to. It will appear on their hubs.",
    )
    topics = ParentalManyToManyField(
        Topic,
        blank=True,
        related_name="articles",
        help_text="Subjects the article is filed under. Editors manage the list under Snippets.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                HelpPanel(
                    content="Choose the campaigns and topics this article is about. "
                    "Visitors can then find it on each campaign's page and by topic."
                ),
                FieldPanel("campaigns", widget=forms.CheckboxSelectMultiple),
                FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
            ],
            heading="Campaigns and topics",
        ),
    ]

    parent_page_types = ["news.NewsIndexPage"]
    subpage_types = []

    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=1.5),
        index.SearchField("body"),
        index.RelatedFields("campaigns", [index.SearchField("title"), index.FilterField("slug")]),
        index.RelatedFields("topics", [index.SearchField("name"), index.FilterField("slug")]),
        index.FilterField("date"),
    ]

    class Meta:
        verbose_name = "News article"
        # Every listing reads articles newest first, ties broken by id.
        indexes = [models.Index(fields=["-date", "-page_ptr"], name="news_article_newest_idx")]

    # What this page type says about itself (psg/pages.py).
    cache_shows = (NEWS, CAMPAIGNS)
    cache_changes = (NEWS,)
    search_label = "News"
    card_fields = ("title", "url_path", "path", "depth", "date", "summary")
    summary_fields = ("summary", "search_description")

    # The article's picture is shown at the top and on its share card: fetched with the page.
    route_select_related = ("image",)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The article's own campaigns and topics, fetched once: related_articles() and the
        # template's tag lists both read them. A preview already holds the editor's choices
        # in memory (and a page not yet saved has nothing in the database to fetch).
        if self.pk and not getattr(request, "is_preview", False):
            attach_tags([self], campaign_choices(request))
        context["previous_article"], context["next_article"] = self.neighbours(request)
        context["related_articles"] = self.related_articles(request)
        # Renditions of the article's picture, the pictures in its body and those of the
        # related cards, in one query.
        prefetch_renditions(
            [
                self.image,
                *images_in(self.body),
                *(article.image for article in context["related_articles"]),
            ]
        )
        return context

    @property
    def filed_campaigns(self):
        """The campaigns this article is filed under, as its tags show them: the live, public
        ones from attach_tags(), or the article's own choices (a preview holds the editor's
        unsaved choices)."""
        filed = self.__dict__.get("_filed_tags")
        return filed[0] if filed is not None else list(self.campaigns.all())

    @property
    def filed_topics(self):
        filed = self.__dict__.get("_filed_tags")
        return filed[1] if filed is not None else list(self.topics.all())

    def _siblings(self, request=None):
        return (
            sitedata.public(NewsArticlePage.objects.live(), request)
            .sibling_of(self, inclusive=False)
            .defer_streamfields()
            .only("title", "url_path", "date", "path", "depth")
        )

    def neighbours(self, request=None):
        """The articles just before and after this one in the news list."""
        siblings = self._siblings(request)
        if self.pk is None:
            # A preview before the first save: the new article comes after every other
            # article of its date, as it will once saved.
            before = models.Q(date__lte=self.date)
            after = models.Q(date__gt=self.date)
        else:
            # A range on the date (not "earlier date OR same date and lower id"), so that the
            # database walks the date index from this article and stops at the first match.
            before = models.Q(date__lte=self.date) & ~models.Q(date=self.date, pk__gte=self.pk)
            after = models.Q(date__gte=self.date) & ~models.Q(date=self.date, pk__lte=self.pk)
        # Both neighbours in one query: each is the first row of its own ordered subquery.
        older_pk = siblings.filter(before).order_by("-date", "-pk").values("pk")[:1]
        newer_pk = siblings.filter(after).order_by("date", "pk").values("pk")[:1]
        found = list(
            siblings.filter(models.Q(pk__in=older_pk) | models.Q(pk__in=newer_pk)).order_by(
                "date", "pk"
            )
        )
        older = newer = None
        for article in found:
            if (article.date, article.pk or 0) < (self.date, self.pk or 0) or (
                self.pk is None and article.date <= self.date
            ):
                older = article
            else:
                newer = newer or article
        return older, newer

    def related_articles(self, request=None):
        """The newest articles that share a campaign or a topic with this one (one query).

        The newest few sharing a campaign and the newest few sharing a topic are found apart,
        each by walking the date index and probing each article's links, and the newest of
        them are kept. Both databases read a handful of rows that way. Asked as one "shares a
        campaign OR shares a topic" test, PostgreSQL first hashes every article linked to
        any of them (36 ms at 100,000 articles, where one campaign has 42,000).
        """
        campaign_ids = [c.pk for c in self.filed_campaigns]
        topic_ids = [t.pk for t in self.filed_topics]
        if not campaign_ids and not topic_ids:
            return []
        candidates = sitedata.public(NewsArticlePage.objects.live(), request)
        if self.pk is not None:
            candidates = candidates.exclude(pk=self.pk)

        def newest_linked(through, field, ids):
            newest = candidates.filter(has_link(through, **{f"{field}__in": ids}))
            newest = newest.order_by("-date", "-pk")
            return models.Q(pk__in=newest.values("pk")[:RELATED_COUNT])

        shares = models.Q()
        if campaign_ids:
            shares |= newest_linked(
                NewsArticlePage.campaigns.through, "campaignpage_id", campaign_ids
            )
        if topic_ids:
            shares |= newest_linked(NewsArticlePage.topics.through, "topic_id", topic_ids)
        related = only_for_cards(candidates.filter(shares), self.card_fields)
        return list(related.order_by("-date", "-pk")[:RELATED_COUNT])


def known_filters(active, years):
    """The filters that named something that exists: a live campaign, a topic, a year with
    news. Only a list filtered by these may be stored by the page cache; anything else a
    visitor types is answered with the "no campaign called …" list every time."""
    known = [name for name in ("campaign", "topic") if active.get(name) is not None]
    year = active.get("year", "")
    if year.isdigit() and len(year) == 4 and int(year) in years:
        known.append("year")
    return known


def has_link(through, **lookup):
    """ "The article has a row in the many-to-many table `through` matching `lookup`": one
    probe of the table's (article, target) index per article tested."""
    return models.Exists(through.objects.filter(newsarticlepage_id=models.OuterRef("pk"), **lookup))


def filed_under(articles, through, field, target):
    """`articles` that have a link to `target` in the many-to-many table `through`; none when
    the target is unknown (or not public)."""
    if target is None:
        return articles.none()
    return articles.filter(has_link(through, **{field: target.pk}))


def attach_tags(articles, campaigns):
    """Give each article its campaign and topic tags (`filed_campaigns`, `filed_topics`) with
    one query for all of them: the links from both many-to-many tables, matched against the
    cached choices. `campaigns` is campaign_choices(request): a tag links only to a live,
    public campaign. No page objects are loaded for the tags."""
    ids = [article.pk for article in articles if article.pk is not None]
    if not ids:
        return
    through_campaigns = NewsArticlePage.campaigns.through.objects.filter(
        newsarticlepage_id__in=ids
    ).annotate(kind=models.Value(0))
    through_topics = NewsArticlePage.topics.through.objects.filter(
        newsarticlepage_id__in=ids
    ).annotate(kind=models.Value(1))
    links = through_campaigns.values_list("newsarticlepage_id", "campaignpage_id", "kind").union(
        through_topics.values_list("newsarticlepage_id", "topic_id", "kind"), all=True
    )
    choices = (
        {campaign.pk: (index, campaign) for index, campaign in enumerate(campaigns)},
        {topic.pk: (index, topic) for index, topic in enumerate(topic_choices())},
    )
    filed = {pk: ([], []) for pk in ids}
    for article_id, target_id, kind in links:
        choice = choices[kind].get(target_id)
        if choice is not None:
            filed[article_id][kind].append(choice)
    for article in articles:
        if article.pk in filed:
            article._filed_tags = tuple(
                [item for _, item in sorted(tags, key=lambda pair: pair[0])]
                for tags in filed[article.pk]
            )


def find_by_slug(choices, slug):
    return next((choice for choice in choices if choice.slug == slug), None)


def campaign_choices(request=None):
    """The live, public campaigns, by title (the news filter; search sorts them its own way);
    cached until a campaign or a view restriction changes."""

    def build():
        campaigns = sitedata.public(CampaignPage.objects.live(), request)
        return list(
            campaigns.order_by("title", "pk").only(
                "title", "slug", "url_path", "path", "depth", "status_order"
            )
        )

    return generations.cached(
        "psg:news:campaign-choices", [generations.GLOBAL, generations.CAMPAIGNS], build
    )


def topic_choices():
    """Every topic, by name; cached until a topic changes."""
    return generations.cached(
        "psg:news:topics", [generations.NEWS], lambda: list(Topic.objects.all())
    )
