"""Settings > Hidden searches: the queries editors keep off the public list of popular
searches (next to Wagtail's Settings > Promoted search results)."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import HiddenSearch


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


@hooks.register("register_admin_viewset")
def register_hidden_searches():
    return HiddenSearchViewSet()
