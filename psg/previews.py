"""Extra preview modes for pages that also appear as cards in listings.

A page type adds one of the mixins below before `Page` in its bases:

    class NewsArticlePage(ArticleCardPreviewMixin, Page): ...

The preview panel then offers three modes: the page itself ("Page", the default, which is
also what moderators see), the card as it appears in listings and on the home page, and the
card a social network shows when the page is shared. Every other page type adds
`SocialPreviewMixin` for the last one.
Phone, tablet and desktop widths come with Wagtail's preview panel for every mode.
"""

from django.template.response import TemplateResponse

CARD_PREVIEW_MODE = "card"
SOCIAL_PREVIEW_MODE = "social"
SOCIAL_PREVIEW_LABEL = "Shared on social media"


class SocialPreviewMixin:
    """Add a "social" preview mode: the card a social network shows when the page is shared,
    with the title, description and picture of the page's og: and twitter: tags."""

    social_preview_template = "editorial/preview_social.html"

    @property
    def preview_modes(self):
        return [("", "Page"), (SOCIAL_PREVIEW_MODE, SOCIAL_PREVIEW_LABEL)]

    def get_preview_template(self, request, mode_name):
        if mode_name == SOCIAL_PREVIEW_MODE:
            return self.social_preview_template
        return super().get_preview_template(request, mode_name)

    def get_preview_context(self, request, mode_name):
        if mode_name == SOCIAL_PREVIEW_MODE:
            # The share card needs the page and the request only.
            return {"page": self, "self": self, "request": request, "preview_mode": mode_name}
        return super().get_preview_context(request, mode_name)

    def serve_preview(self, request, mode_name):
        # A routable page (the join page) previews its default route and ignores the mode.
        if mode_name == SOCIAL_PREVIEW_MODE:
            return TemplateResponse(
                request,
                self.get_preview_template(request, mode_name),
                self.get_preview_context(request, mode_name),
            )
        return super().serve_preview(request, mode_name)


class CardPreviewMixin(SocialPreviewMixin):
    """Add a "card" preview mode rendered with `card_preview_template` (and the social one)."""

    card_preview_template = None
    card_preview_label = "Card in listings"

    @property
    def preview_modes(self):
        return [
            ("", "Page"),
            (CARD_PREVIEW_MODE, self.card_preview_label),
            (SOCIAL_PREVIEW_MODE, SOCIAL_PREVIEW_LABEL),
        ]

    def get_preview_template(self, request, mode_name):
        if mode_name == CARD_PREVIEW_MODE:
            return self.card_preview_template
        return super().get_preview_template(request, mode_name)

    def get_preview_context(self, request, mode_name):
        if mode_name == CARD_PREVIEW_MODE:
            # The card needs the page and the request only; the page's own context (related
            # articles, timelines and the like) is not built for a card.
            return {"page": self, "self": self, "request": request, "preview_mode": mode_name}
        return super().get_preview_context(request, mode_name)


class ArticleCardPreviewMixin(CardPreviewMixin):
    """A news article as its card in the news list, on the home page and on campaign hubs."""

    card_preview_template = "editorial/preview_card_article.html"


class CampaignCardPreviewMixin(CardPreviewMixin):
    """A campaign as its card in the campaigns list and on the home page."""

    card_preview_template = "editorial/preview_card_campaign.html"
