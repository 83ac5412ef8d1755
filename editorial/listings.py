"""The News section of the page explorer lists articles with their dates, newest first."""

from django.utils.dateformat import format as format_date
from wagtail.admin.ui.tables import Column
from wagtail.admin.ui.tables.pages import PageStatusColumn
from wagtail.admin.views.pages.listing import PageListingMixin

from news.models import NewsArticlePage

from .moderation import ModerationPageViewSet


class ArticleDateColumn(Column):
    """The date shown on the article (not the date it was last saved)."""

    def get_value(self, instance):
        date = getattr(instance, "date", None)
        return format_date(date, "j M Y") if date else ""


def _column(name):
    return next(column for column in PageListingMixin.base_columns if column.name == name)


class NewsArticlePageViewSet(ModerationPageViewSet):
    model = NewsArticlePage
    icon = "doc-full"
    columns = [
        _column("bulk_actions"),
        _column("title"),
        ArticleDateColumn("date", label="Article date", sort_key="date", width="14%"),
        _column("latest_revision_created_at"),
        PageStatusColumn("status", label="Status", sort_key="live", width="12%"),
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(default_ordering="-date", **kwargs)
