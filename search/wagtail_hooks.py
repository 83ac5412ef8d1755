"""Settings > Hidden searches (queries kept off the popular searches); Snippets > Search synonyms."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import HiddenSearch, SearchSynonym


class HiddenSearchViewSet(ModelViewSet):
    model = HiddenSearch
    name = "hidden_searches"
    menu_label = "Hidden searches"
    icon = "no-view"
    add_to_settings_menu = True
    menu_order = 910  # just after "Promoted search results" (900)
    form_fields = ["query_string"]
    list_display = ["query_string", "created_at"]
    search_fields = ["query_string"]
    copy_view_enabled = False


hooks.register("register_admin_viewset", HiddenSearchViewSet)  # Wagtail calls it for the viewset


class SearchSynonymViewSet(SnippetViewSet):
    model = SearchSynonym
    icon = "search"
    menu_label = "Search synonyms"
    list_display = ["name", "terms"]
    search_fields = ["name", "terms"]
    copy_view_enabled = False


register_snippet(SearchSynonymViewSet)
