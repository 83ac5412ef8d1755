"""The moderation loop as the people in it see it, through the real admin URLs.

A moderator who approves, or asks for changes, is told what happened. After "Request changes"
the editor finds the moderator's comment, credited to the moderator, at the top of the page's
edit view and in the mail, whose link uses the admin's base URL.
"""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

pytestmark = pytest.mark.django_db

COMMENT = "Please check the date of the hearing & name the court."


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def article_data(article, **extra):
    latest = article.get_latest_revision_as_object()
    data = nested_form_data(
        {
            "title": latest.title,
            "slug": latest.slug,
            "date": latest.date.isoformat(),
            "summary": latest.summary,
            "body": streamfield([("paragraph", rich_text("<p>Unpublished words.</p>"))]),
            "comments": inline_formset([]),
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
        }
    )
    data["campaigns"] = []
    data.update(extra)
    return data


def submit(client, article):
    response = client.post(
        edit_url(article), article_data(article, **{"action-submit": "action-submit"})
    )
    assert response.status_code == 302
    article.refresh_from_db()
    return article.current_workflow_state.current_task_state


def workflow_action(client, article, action, task_state, **data):
    url = reverse("wagtailadmin_pages:workflow_action", args=[article.pk, action, task_state.pk])
    return client.post(url, data, follow=True)


def messages_in(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def submitted(draft_article, editor):
    """The draft article, submitted for moderation by the editor."""
    editor_client = signed_in(editor)
    task_state = submit(editor_client, draft_article)
    return draft_article, task_state, editor_client


def test_request_changes_confirms_and_the_editor_sees_the_comment_and_who_left_it(
    submitted, editor, moderator
):
    article, task_state, editor_client = submitted
    moderator_client = signed_in(moderator)
    mail.outbox.clear()

    response = workflow_action(moderator_client, article, "reject", task_state, comment=COMMENT)

    assert response.status_code == 200
    assert any(
        message.startswith("Changes requested on “Draft on the Conga mine”. Edith has been sent")
        for message in messages_in(response)
    )

    # The editor opens the page: the comment is at the top, credited to the moderator.
    page = editor_client.get(edit_url(article))
    notices = [m for m in messages_in(page) if m.startswith("Changes requested by")]
    assert len(notices) == 1
    assert notices[0].startswith("Changes requested by Maria on ")
    assert "“Please check the date of the hearing &amp; name the court.”" in notices[0]
    html = page.content.decode()
    assert "Please check the date of the hearing &amp; name the court." in html
    assert "Changes requested by Edith" not in html

    # The mail to the editor says the same, with a link to the page on the admin's address.
    to_editor = [m for m in mail.outbox if editor.email in m.to]
    assert len(to_editor) == 1
    message = to_editor[0]
    assert message.subject == 'Changes requested: "Draft on the Conga mine"'
    assert 'Maria asked for changes to "Draft on the Conga mine"' in message.body
    assert f'"{COMMENT}"' in message.body
    assert f"{settings.WAGTAILADMIN_BASE_URL}{edit_url(article)}" in message.body
    html_body = message.alternatives[0][0]
    assert "<strong>Maria</strong> asked for changes" in html_body
    assert "Please check the date of the hearing &amp; name the court." in html_body


def test_the_comment_is_gone_once_the_page_is_submitted_again(submitted, moderator):
    article, task_state, editor_client = submitted
    workflow_action(signed_in(moderator), article, "reject", task_state, comment=COMMENT)

    submit(editor_client, article)

    page = editor_client.get(edit_url(article))
    assert not [m for m in messages_in(page) if m.startswith("Changes requested by")]


def test_approving_from_the_dashboard_confirms_the_publication(submitted, moderator):
    article, task_state, editor_client = submitted

    response = workflow_action(signed_in(moderator), article, "approve", task_state, comment="")

    assert "“Draft on the Conga mine” approved and published." in messages_in(response)
    article.refresh_from_db()
    assert article.live


def test_approving_from_the_page_editor_confirms_the_publication(submitted, moderator):
    article, task_state, editor_client = submitted
    moderator_client = signed_in(moderator)
    data = article_data(article, **{"action-workflow-action": "true"})
    data["workflow-action-name"] = "approve"

    response = moderator_client.post(edit_url(article), data, follow=True)

    assert response.status_code == 200
    assert "“Draft on the Conga mine” approved and published." in messages_in(response)
    article.refresh_from_db()
    assert article.live


def test_requesting_changes_from_the_page_editor_confirms_it(submitted, moderator):
    article, task_state, editor_client = submitted
    moderator_client = signed_in(moderator)
    data = article_data(article, **{"action-workflow-action": "true"})
    data["workflow-action-name"] = "reject"
    data["workflow-action-extra-data"] = '{"comment": "Shorter, please."}'

    response = moderator_client.post(edit_url(article), data, follow=True)

    assert any(m.startswith("Changes requested on") for m in messages_in(response))
    page = editor_client.get(edit_url(article))
    assert any(
        m.startswith("Changes requested by Maria") and "Shorter, please." in m
        for m in messages_in(page)
    )
