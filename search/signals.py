"""Index a page again once it is published, when its campaigns and topics are written (Wagtail
indexes on ``post_save``, before a page's many-to-many relations and child objects are saved)."""

from django.dispatch import receiver
from wagtail.search.tasks import insert_or_update_object_task
from wagtail.signals import page_published


@receiver(page_published, dispatch_uid="search.reindex_published_page")
def reindex_published_page(sender, instance, **kwargs):
    insert_or_update_object_task.enqueue(
        instance._meta.app_label, instance._meta.model_name, str(instance.pk)
    )
