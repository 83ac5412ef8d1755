"""The home page (hero, featured campaigns, latest news, mission section) and content pages."""

from django.db import models
from django.db.models import OuterRef, Subquery
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from campaigns.models import CampaignPage
from news.models import NewsArticlePage
from psg import routing, sitedata
from psg.blocks import BodyStreamBlock, MissionStreamBlock
from psg.images import images_in, only_for_cards, prefetch_renditions
from psg.pages import CAMPAIGNS, NEWS, PageFacts
from psg.previews import SocialPreviewMixin
from psg.routing import RoutedPageMixin
from psg.structure import StructuralPageMixin

HOME_NEWS_COUNT = 4


class HomePage(PageFacts, StructuralPageMixin, SocialPreviewMixin, RoutedPageMixin, Page):
    hero_heading = models.CharField(
        max_length=120,
        blank=True,
        help_text="The large heading at the top of the home page. Leave empty to use the title.",
    )
    hero_intro = models.TextField(
        blank=True,
        max_length=400,
        help_text="One or two sentences under the heading: who PSG is and what it does.",
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional wide picture behind the heading. Landscape, at least 1600 pixels wide.",
    )
    mission = StreamField(
        MissionStreamBlock(),
        blank=True,
        verbose_name="Mission section",
        help_text="The sections about PSG's aims, history and work, and the invitation to join. "
        "Add, reorder and preview them here.",
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("hero_heading"), FieldPanel("hero_intro"), FieldPanel("hero_image")],
            heading="Hero",
        ),
        MultiFieldPanel(
            [
                HelpPanel(
                    content="Choose up to three campaigns to feature. The latest news appears "
                    "on the home page automatically."
                ),
                InlinePanel("featured_campaigns", label="Featured campaign", max_num=3),
            ],
            heading="Featured campaigns",
        ),
        FieldPanel("mission"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "news.NewsIndexPage",
        "campaigns.CampaignIndexPage",
        "home.StandardPage",
        "membership.JoinPage",
    ]
    max_count = 1

    search_fields = Page.search_fields + [
        index.SearchField("hero_intro"),
        index.SearchField("mission"),
    ]

    class Meta:
        verbose_name = "Home page"

    # What this page type says about itself (psg/pages.py).
    cache_shows = (NEWS, CAMPAIGNS)
    cache_changes = ()
    summary_fields = ("hero_intro", "search_description")

    # Wagtail loads the site's root page on every request: through this manager it comes
    # with the restriction questions answered, and serving "/" needs no query of its own.
    objects = routing.RootPageManager()
    # The hero picture, should the home page ever be routed to below another root.
    route_select_related = ("hero_image",)

    def route(self, request, path_components):
        # The whole path in one query (psg/routing.py) rather than two queries per level.
        return routing.route(self, request, path_components)

    def latest_news(self, request=None):
        articles = only_for_cards(
            sitedata.public(NewsArticlePage.objects.live(), request).descendant_of(self),
            NewsArticlePage.card_fields,
        )
        return list(articles.order_by("-date", "-pk")[:HOME_NEWS_COUNT])

    def featured(self, request=None):
        """The featured campaigns that are live and public, in the editor's order.

        One query: the editor's order comes from the featured rows in the same statement. A
        preview (or a home page not saved yet) takes the editor's choices from the form instead.
        """
        campaigns = only_for_cards(
            sitedata.public(CampaignPage.objects.live(), request), CampaignPage.card_fields
        )
        if self.pk is None or getattr(request, "is_preview", False):
            ids = [item.campaign_id for item in self.featured_campaigns.all()]
            by_id = {campaign.pk: campaign for campaign in campaigns.filter(pk__in=ids)}
            return [by_id[pk] for pk in ids if pk in by_id]
        chosen = HomeFeaturedCampaign.objects.filter(page_id=self.pk).order_by()
        order = chosen.filter(campaign_id=OuterRef("pk")).order_by("sort_order")
        return list(
            campaigns.filter(pk__in=chosen.values("campaign_id"))
            .annotate(featured_order=Subquery(order.values("sort_order")[:1]))
            .order_by("featured_order", "pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_news"] = self.latest_news(request)
        context["featured_campaigns"] = self.featured(request)
        # Renditions of the hero picture, the mission section's pictures and those of both
        # card lists, in one query.
        prefetch_renditions(
            [
                self.hero_image,
                *images_in(self.mission),
                *(item.image for item in [*context["latest_news"], *context["featured_campaigns"]]),
            ]
        )
        return context


class HomeFeaturedCampaign(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_campaigns")
    campaign = models.ForeignKey(
        "campaigns.CampaignPage",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A campaign to show on the home page.",
    )

    panels = [FieldPanel("campaign")]

    class Meta(Orderable.Meta):
        verbose_name = "Featured campaign"


class StandardPage(PageFacts, SocialPreviewMixin, RoutedPageMixin, Page):
    intro = models.TextField(
        blank=True,
        max_length=500,
        help_text="A short introduction shown in larger text under the title, and in search "
        "results.",
    )
    body = StreamField(
        BodyStreamBlock(),
        blank=True,
        help_text="The page's content: text, headings, pictures, quotes, videos and documents.",
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    search_fields = Page.search_fields + [
        index.SearchField("intro", boost=1.5),
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = "Content page"

    # What this page type says about itself (psg/pages.py).
    cache_shows = ()
    cache_changes = ()
    summary_fields = ("intro", "search_description")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        prefetch_renditions(images_in(self.body))  # the body's pictures, in one query
        return context
