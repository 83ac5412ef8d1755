"""Campaign hubs: each gathers its news, timeline and calls to action.

This app does not import `news`: a hub reaches its articles through the reverse relation
that `NewsArticlePage.campaigns` declares (`related_name="news_articles"`).
"""

from django.db import models
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from psg import generations, sitedata
from psg.blocks import CampaignBodyStreamBlock
from psg.images import images_in, only_for_cards, prefetch_renditions
from psg.pages import CAMPAIGNS, NEWS, PageFacts
from psg.pagination import paginate
from psg.previews import CampaignCardPreviewMixin, SocialPreviewMixin
from psg.routing import RoutedPageMixin
from psg.structure import StructuralPageMixin

HUB_NEWS_COUNT = 5
# The timeline shows every milestone and this many of the latest articles.
TIMELINE_NEWS_COUNT = 20
# The campaign index shows this many campaigns a page.
CAMPAIGNS_PER_PAGE = 12


class CampaignIndexPage(PageFacts, StructuralPageMixin, SocialPreviewMixin, RoutedPageMixin, Page):
    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="A short introduction shown above the list of campaigns.",
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["campaigns.CampaignPage"]
    max_count = 1

    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = "Campaign index"

    # What this page type says about itself (psg/pages.py).
    cache_shows = (CAMPAIGNS, NEWS)
    cache_changes = ()
    summary_fields = ("intro", "search_description")

    def campaigns(self, request=None):
        return only_for_cards(
            sitedata.public(CampaignPage.objects.live(), request).child_of(self),
            CampaignPage.card_fields,
        ).order_by("status_order", "-first_published_at", "pk")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        campaigns = self.campaigns(request)
        context["campaigns"] = campaigns
        # A site has a few campaigns: the first page's rows and one more tell, in one query,
        # whether they all fit on one page. Only a longer list is counted and paged.
        first = list(campaigns[: CAMPAIGNS_PER_PAGE + 1])
        listed = first if len(first) <= CAMPAIGNS_PER_PAGE else campaigns
        context["campaigns_page"] = paginate(request, listed, per_page=CAMPAIGNS_PER_PAGE)
        # The cards' picture renditions in one query rather than one per card.
        context["campaigns_page"].object_list = list(context["campaigns_page"].object_list)
        prefetch_renditions(campaign.image for campaign in context["campaigns_page"].object_list)
        return context


class CampaignPage(PageFacts, CampaignCardPreviewMixin, RoutedPageMixin, Page):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        ARCHIVED = "archived", "Archived"

    summary = models.TextField(
        max_length=400,
        help_text="One or two sentences on what the campaign wants. Shown on campaign cards, "
        "in search results and when the page is shared.",
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.ACTIVE,
        help_text="Active campaigns are listed first; achieved and archived ones stay readable.",
    )
    # Kept in step with `status` on save, so listings can sort active campaigns first.
    status_order = models.PositiveSmallIntegerField(default=0, editable=False)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A picture for the top of the hub and its card. Landscape works best.",
    )
    body = StreamField(
        CampaignBodyStreamBlock(),
        blank=True,
        help_text="The campaign's story, its demands and what visitors can do.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("status"),
        FieldPanel("image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                HelpPanel(
                    content="Milestones are dated events in the campaign. They appear on the "
                    "hub's timeline together with the campaign's news articles. To add a news "
                    "article to this campaign, choose the campaign on the article."
                ),
                InlinePanel("milestones", label="Milestone"),
            ],
            heading="Timeline",
        ),
    ]

    parent_page_types = ["campaigns.CampaignIndexPage"]
    subpage_types = []

    search_fields = Page.search_fields + [
        index.SearchField("summary", boost=1.5),
        index.SearchField("body"),
        index.RelatedFields("milestones", [index.SearchField("description")]),
        index.FilterField("status"),
    ]

    class Meta:
        verbose_name = "Campaign"

    # What this page type says about itself (psg/pages.py).
    cache_shows = (NEWS,)
    cache_changes = (CAMPAIGNS,)
    search_label = "Campaign"
    card_fields = ("title", "url_path", "path", "depth", "summary", "status")
    summary_fields = ("summary", "search_description")

    STATUS_ORDER = {Status.ACTIVE: 0, Status.ACHIEVED: 1, Status.ARCHIVED: 2}

    # The hub's picture is shown at the top and on its share card: fetched with the page.
    route_select_related = ("image",)

    def save(self, *args, **kwargs):
        self.status_order = self.STATUS_ORDER.get(self.status, 9)
        return super().save(*args, **kwargs)

    @cached_property
    def news(self):
        """This campaign's live, public articles, newest first (one query).

        A hub previewed before its first save has no articles yet.
        """
        # The articles' side of the relation that the article type declares (its campaigns,
        # `related_name="news_articles"`): this app never imports the news app.
        relation = self._meta.get_field("news_articles")
        article_type = relation.related_model
        if self.pk is None:
            return article_type.objects.none()
        # Newest first through the articles' date index, each article's campaigns tested by
        # one index probe: the first twenty are found without reading every article of a
        # large campaign (a join from the campaign's side would read and sort all of them).
        link = relation.through.objects.filter(
            **{
                relation.field.m2m_field_name(): models.OuterRef("pk"),
                relation.field.m2m_reverse_field_name(): self.pk,
            }
        )
        return only_for_cards(
            sitedata.public(article_type.objects.live().filter(models.Exists(link))),
            article_type.card_fields,
        ).order_by("-date", "-pk")

    def timeline(self, request=None, news=None):
        """Milestones and the latest news merged into one list, newest first.

        `news` is a list of articles already fetched (the hub passes its latest ones).
        """
        if news is None:
            news = list(self.news[:TIMELINE_NEWS_COUNT])
        entries = [
            {"date": m.date, "title": m.title, "text": m.description, "kind": "milestone"}
            for m in self.milestones.all()
        ]
        entries += [
            {
                "date": article.date,
                "title": article.title,
                "text": article.summary,
                "kind": "news",
                "url": article.get_url(request),
            }
            for article in news
        ]
        return sorted(entries, key=lambda e: (e["date"], e["kind"] == "news"), reverse=True)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        news = list(self.news[:TIMELINE_NEWS_COUNT])
        context["timeline"] = self.timeline(request, news)
        context["latest_news"] = news[:HUB_NEWS_COUNT]
        # Renditions of the hub's picture, the pictures in its body and those of the news
        # cards, in one query.
        prefetch_renditions(
            [
                self.image,
                *images_in(self.body),
                *(article.image for article in context["latest_news"]),
            ]
        )
        context["news_count"] = self.news_count()
        return context

    def news_count(self):
        """How many articles the campaign has, kept in the cache until an article or a view
        restriction changes (counting scans all of them)."""
        if self.pk is None:
            return 0
        return generations.cached(
            f"psg:campaign:news-count:{self.pk}",
            [generations.GLOBAL, generations.NEWS],
            self.news.count,
        )


class CampaignMilestone(Orderable):
    page = ParentalKey(CampaignPage, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(help_text="When it happened (or will happen).")
    title = models.CharField(max_length=200, help_text="What happened, in a few words.")
    description = models.TextField(
        blank=True, max_length=1000, help_text="Optional: a sentence or two of detail."
    )

    panels = [FieldPanel("date"), FieldPanel("title"), FieldPanel("description")]

    class Meta(Orderable.Meta):
        verbose_name = "Milestone"
        ordering = ["sort_order"]
