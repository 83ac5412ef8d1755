"""Keep the search index in step with what editors publish.

Wagtail's indexer runs on ``post_save``, but a page's many-to-many relations (an article's
campaigns and topics) and child objects (a campaign's milestones) are only written after
``post_save``: a page indexed there carries its previous campaigns and topics. Indexing it
again once ``page_published`` fires, when everything is written, makes a newly published page
findable by all its words at once.
"""

from wagtail.search.tasks import insert_or_update_object_task
from wagtail.signals import page_published


def reindex_published_page(sender, instance, **kwargs):
    insert_or_update_object_task.enqueue(
        instance._meta.app_label, instance._meta.model_name, str(instance.pk)
    )


def connect():
    page_published.connect(reindex_published_page, dispatch_uid="search.reindex_published_page")
