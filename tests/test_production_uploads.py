"""Uploads and documents under the production settings: SVG images refused with a clear
message, oversized requests refused before they are read, documents served as downloads."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents.models import Document
from wagtail.images.models import Image

from tests.production_helpers import SVG, png_upload


@pytest.mark.django_db
def test_svg_image_upload_is_refused_with_a_clear_message(
    production, https, admin_user, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path)
    https.force_login(admin_user)
    svg = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")
    response = https.post("/admin/images/add/", {"title": "Logo", "file": svg})
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any("Not a supported image format" in str(error) for error in errors), errors
    assert "Not a supported image format" in response.content.decode()
    assert not Image.objects.exists()

    # The drag-and-drop uploader answers the same way.
    svg = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")
    response = https.post(
        "/admin/images/multiple/add/",
        {"files[]": svg},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    answer = json.loads(response.content)
    assert answer["success"] is False
    assert "Not a supported image format" in answer["error_message"]
    assert not Image.objects.exists()

    # A PNG is accepted, so the refusal is about the format.
    response = https.post(
        "/admin/images/add/", {"title": "Photo", "file": png_upload()}, secure=True
    )
    assert response.status_code == 302
    assert Image.objects.get().title == "Photo"


@pytest.mark.django_db
def test_an_oversized_request_is_refused_with_413_before_it_is_read(production, https):
    limit = production["PSG_MAX_REQUEST_BODY"]
    response = https.post(
        "/admin/login/",
        data=b"x" * 10,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(limit + 1),
    )
    assert response.status_code == 413
    assert "Upload too large" in response.content.decode()


@pytest.mark.django_db
def test_a_form_above_the_memory_limit_gets_400_not_500(production, https):
    big = "x" * (production["DATA_UPLOAD_MAX_MEMORY_SIZE"] + 1)
    response = https.post("/admin/login/", {"username": big, "password": "x"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_documents_are_served_as_downloads(production, https, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    pdf = b"%PDF-1.4\n% PSG annual report\n"
    html_like = b"<html><script>alert(1)</script></html>"
    pdf_doc = Document.objects.create(
        title="Annual report", file=ContentFile(pdf, "annual-report.pdf")
    )
    txt_doc = Document.objects.create(title="Notes", file=ContentFile(html_like, "notes.txt"))

    for document, body in ((pdf_doc, pdf), (txt_doc, html_like)):
        response = https.get(document.url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;"), document.url
        assert document.filename in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert b"".join(response.streaming_content) == body
