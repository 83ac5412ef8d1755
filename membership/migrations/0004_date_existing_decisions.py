"""Give applications approved or declined before decided_at existed their decision date.

The date is that of the latest change made through the admin's edit view, as Wagtail's log
recorded it: that view changes the status only, so its latest change is the one that set the
status the application has now. An application with no such entry gets its last change
(updated_at), the date the retention policy used until now.
"""

from django.db import migrations

DECIDED = ["approved", "declined"]


def date_existing_decisions(apps, schema_editor):
    Application = apps.get_model("membership", "MembershipApplication")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")

    content_type = ContentType.objects.filter(
        app_label="membership", model="membershipapplication"
    ).first()
    undated = Application.objects.filter(status__in=DECIDED, decided_at__isnull=True)
    for pk, updated_at in undated.values_list("pk", "updated_at").iterator():
        logged = None
        if content_type is not None:
            logged = (
                ModelLogEntry.objects.filter(
                    content_type=content_type,
                    object_id=str(pk),
                    action="wagtail.edit",
                    content_changed=True,
                )
                .order_by("-timestamp", "-pk")
                .values_list("timestamp", flat=True)
                .first()
            )
        # update(), not save(): saving would move updated_at to today.
        Application.objects.filter(pk=pk).update(decided_at=logged or updated_at)


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0003_membershipapplication_decided_at"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(date_existing_decisions, migrations.RunPython.noop)]
