"""Every picture a page shows gets its renditions in one query.

Wagtail's `{% picture %}` and `{% image %}` tags find an image's renditions among those
prefetched on it; without them, each tag asks the cache for its renditions and then writes
them all back (Wagtail rewrites renditions it found in the cache), or queries the database.
A page's hero picture, the pictures in its StreamField and those on its cards are gathered
here and their renditions fetched together.
"""

from django.db.models import prefetch_related_objects
from wagtail.blocks import StreamValue, StructValue
from wagtail.blocks.list_block import ListValue
from wagtail.images.models import AbstractImage

# The image fields that picture tags read: the file, its size, focal point and hash (which make
# a rendition's key) and the title and description (the default alternative text).
IMAGE_FIELDS = (
    "file",
    "width",
    "height",
    "focal_point_x",
    "focal_point_y",
    "focal_point_width",
    "focal_point_height",
    "file_hash",
    "title",
    "description",
)


def only_for_cards(queryset, fields, image="image"):
    """`queryset` loading only `fields` of each page and IMAGE_FIELDS of its picture (joined).

    Listings show a few fields of many pages; loading every field of every row (a page has
    six date-times, an image two more, each parsed in Python on SQLite) costs more than the
    query. Anything else a template reads costs one more query per object, which the
    query-budget tests would show.
    """
    return queryset.select_related(image).only(
        *fields, image, *(f"{image}__{field}" for field in IMAGE_FIELDS)
    )


def images_in(value):
    """The images chosen anywhere in a StreamField value (any block, at any depth)."""
    if isinstance(value, AbstractImage):
        yield value
    elif isinstance(value, StreamValue):
        for child in value:
            yield from images_in(child.value)
    elif isinstance(value, StructValue):
        for item in value.values():
            yield from images_in(item)
    elif isinstance(value, (ListValue, list, tuple)):
        for item in value:
            yield from images_in(item)


def prefetch_renditions(images):
    """Fetch the renditions of `images` (None and unsaved images skipped) in one query."""
    images = [image for image in images if image is not None and image.pk is not None]
    if images:
        prefetch_related_objects(images, "renditions")
