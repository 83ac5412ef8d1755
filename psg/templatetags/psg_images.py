"""`{% picture %}` exactly as Wagtail's, with each filter spec parsed once per process.

Wagtail's tag builds new `Filter` objects on every render, and each one parses its spec again
(collecting the registered image operations from the hooks and constructing them) before it
can find a rendition: for a card picture with six renditions that is most of the tag's work,
and a listing shows ten cards. A filter is immutable once parsed, so the filters for a given
spec are built once and shared. Load this library after `wagtailimages_tags` (or instead of
it) to use this `{% picture %}`; the output is Wagtail's own `Picture` element.
"""

from functools import lru_cache

from django import template
from wagtail.images.models import Filter
from wagtail.images.templatetags import wagtailimages_tags

register = template.Library()


@lru_cache(maxsize=256)
def filters_for(filter_specs):
    """The `Filter`s a tuple of specs expands to (braces expanded, as Wagtail's tag does)."""
    return tuple(Filter(spec=spec) for spec in Filter.expand_spec(list(filter_specs)))


@lru_cache(maxsize=64)
def filter_for(spec):
    """One shared `Filter` for `spec`, e.g. the share card's."""
    return Filter(spec=spec)


class PictureNode(wagtailimages_tags.PictureNode):
    def get_filters(self):
        return filters_for(tuple(self.filter_specs))


@register.tag
def picture(parser, token):
    """Same syntax and output as Wagtail's `{% picture %}`."""
    node = wagtailimages_tags.image(parser, token)
    return PictureNode(
        node.image_expr,
        node.filter_specs,
        attrs=node.attrs,
        output_var_name=node.output_var_name,
    )
