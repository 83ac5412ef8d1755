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
    """Fetch the renditions of `images` (None and repeats skipped) in one query."""
    images = [image for image in images if image is not None and image.pk is not None]
    if images:
        prefetch_related_objects(images, "renditions")
