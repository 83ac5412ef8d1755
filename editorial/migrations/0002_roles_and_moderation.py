"""Editorial roles and the moderation workflow.

- Editors: use the admin; add and edit pages under the home page, but not publish them;
  upload and choose images and documents; add and edit topics.
- Moderators: everything editors can do, plus publish, unpublish, lock and unlock pages
  under the home page, and approve or reject submissions.
- Workflow "Moderator approval": one Moderators approval task, assigned to the home page,
  so every page of the site goes editor (submit) -> moderator (approve and publish).

Wagtail's initial data already made "Editors" and "Moderators" groups with rights on the
tree's root and a "Moderators approval" workflow on the root. This migration narrows the
rights to the home page and turns that workflow into the site's own one, so work already
in moderation is kept.
"""

from django.db import migrations

WORKFLOW_NAME = "Moderator approval"

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
MODERATOR_PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
]
EDITOR_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "image", ["add_image", "choose_image"]),
    ("wagtaildocs", "document", ["add_document", "choose_document"]),
]
MODERATOR_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "image", ["add_image", "change_image", "choose_image"]),
    ("wagtaildocs", "document", ["add_document", "change_document", "choose_document"]),
]
EDITOR_MODEL_PERMISSIONS = [
    ("wagtailadmin", "admin", ["access_admin"]),
    ("news", "topic", ["add_topic", "change_topic", "view_topic"]),
]
MODERATOR_MODEL_PERMISSIONS = [
    ("wagtailadmin", "admin", ["access_admin"]),
    ("news", "topic", ["add_topic", "change_topic", "delete_topic", "view_topic"]),
]


def permission(apps, app_label, model, codename):
    """The permission, created if the app's own post-migrate step has not run yet."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    action, _, __ = codename.partition("_")
    perm, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": f"Can {action} {model}"},
    )
    return perm


def permissions(apps, spec):
    return [
        permission(apps, app_label, model, codename)
        for app_label, model, codenames in spec
        for codename in codenames
    ]


def set_page_permissions(apps, group, page, codenames):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(group=group).delete()
    for codename in codenames:
        GroupPagePermission.objects.create(
            group=group, page=page, permission=permission(apps, "wagtailcore", "page", codename)
        )


def set_collection_permissions(apps, group, collection, spec):
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupCollectionPermission.objects.filter(group=group).delete()
    for perm in permissions(apps, spec):
        GroupCollectionPermission.objects.create(
            group=group, collection=collection, permission=perm
        )


def moderation_workflow(apps, home, moderators):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    # Reuse Wagtail's default one-task workflow when it is there, so nothing in moderation
    # loses its place; otherwise make one.
    root_assignment = (
        WorkflowPage.objects.filter(page__depth=1).select_related("workflow").first()
    )
    workflow = root_assignment.workflow if root_assignment else None
    if workflow is None or workflow.workflow_tasks.count() != 1:
        workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first() or Workflow.objects.create(
            name=WORKFLOW_NAME, active=True
        )
    workflow.name = WORKFLOW_NAME
    workflow.active = True
    workflow.save()

    workflow_task = workflow.workflow_tasks.select_related("task").first()
    task = (
        GroupApprovalTask.objects.filter(pk=workflow_task.task_id).first()
        if workflow_task
        else None
    )
    if task is None:
        WorkflowTask.objects.filter(workflow=workflow).delete()
        task_type, _ = ContentType.objects.get_or_create(
            app_label="wagtailcore", model="groupapprovaltask"
        )
        task = GroupApprovalTask.objects.create(
            name=WORKFLOW_NAME, content_type=task_type, active=True
        )
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    task.name = WORKFLOW_NAME
    task.active = True
    task.save()
    task.groups.set([moderators])

    # The site's pages (the home page and everything under it) use this workflow.
    WorkflowPage.objects.filter(workflow=workflow).exclude(page=home).delete()
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    HomePage = apps.get_model("home", "HomePage")

    home = HomePage.objects.order_by("pk").first()
    root_collection = Collection.objects.filter(depth=1).first()
    if home is None or root_collection is None:
        return
    home = apps.get_model("wagtailcore", "Page").objects.get(pk=home.pk)

    editors, _ = Group.objects.get_or_create(name="Editors")
    moderators, _ = Group.objects.get_or_create(name="Moderators")

    editors.permissions.set(permissions(apps, EDITOR_MODEL_PERMISSIONS))
    moderators.permissions.set(permissions(apps, MODERATOR_MODEL_PERMISSIONS))
    set_page_permissions(apps, editors, home, EDITOR_PAGE_PERMISSIONS)
    set_page_permissions(apps, moderators, home, MODERATOR_PAGE_PERMISSIONS)
    set_collection_permissions(apps, editors, root_collection, EDITOR_COLLECTION_PERMISSIONS)
    set_collection_permissions(
        apps, moderators, root_collection, MODERATOR_COLLECTION_PERMISSIONS
    )
    moderation_workflow(apps, home, moderators)


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("home", "0002_create_homepage"),
        ("news", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0090_remove_grouppagepermission_permission_type"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
