"""The StreamField block library shared by every page type.

Each block carries an icon, a label, a description and a preview value, so that the block
picker in the page editor shows editors what they are about to add.
"""

import os
import re

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(
        max_length=120, help_text="A short heading that introduces the next part of the text."
    )
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading"), ("h3", "Sub-heading")],
        default="h2",
        help_text="Use 'Section heading' for main parts, 'Sub-heading' for parts within them.",
    )

    class Meta:
        icon = "title"
        label = "Heading"
        description = "A heading that splits a long text into parts."
        preview_value = {"text": "Why the extradition matters", "level": "h2"}
        template = "blocks/heading_block.html"

    def get_searchable_content(self, value):
        # The heading's words only: its level's label ("Section heading") is not the editor's.
        return self.child_blocks["text"].get_searchable_content(value.get("text"))


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = "Text"
        description = "Paragraphs of text with links, lists and emphasis."
        preview_value = (
            "<p>The Peru Support Group works with partners in Peru and across Europe "
            "to promote human rights, social inclusion and sustainable development.</p>"
        )
        template = "blocks/paragraph_block.html"


# A text alternative that is only the picture's file name ("IMG_2041", "photo.jpg").
_FILE_NAME_ALT = re.compile(
    r"(\.(jpe?g|png|gif|webp|avif|svg|tiff?|heic|bmp)$)|"
    r"^(img|dsc|dscn|dcim|pxl|mvimg|screenshot|image|photo|whatsapp image)[\s_-]*[\d_ -]+$",
    re.IGNORECASE,
)
FILE_NAME_ALT_MESSAGE = (
    "This is the picture's file name, which tells people who cannot see it nothing. Describe "
    "what the picture shows, or tick “Image is decorative” if it adds nothing to the text."
)


def _stem(name):
    return os.path.splitext(os.path.basename(name or ""))[0].strip().casefold()


def is_file_name(alt_text, image):
    """Whether `alt_text` is the picture's file name rather than a description of it."""
    text = (alt_text or "").strip()
    if not text:
        return False
    if _FILE_NAME_ALT.search(text):
        return True
    folded = text.casefold()
    file_name = getattr(getattr(image, "file", None), "name", "")
    if folded in {_stem(file_name), os.path.basename(file_name).casefold()}:
        return True
    # The library's title is the file's name unless someone changed it: not a description.
    title = (getattr(image, "title", "") or "").strip().casefold()
    return folded == title and title == _stem(file_name)


class DescribedImageBlock(ImageBlock):
    """Wagtail's ImageBlock (a picture with its alt text, or marked decorative), whose alt text
    is never the file's name: a file name typed or filled in is refused with a clear message,
    and a picture stored without alt text (an old image chooser's value) gets the image's
    description from the library (or is shown as decorative), never its title or file name.
    The stored shape is ImageBlock's, so existing content needs no migration."""

    def _with_described_alt(self, image):
        if image is None or getattr(image, "decorative", False):
            return image
        alt_text = getattr(image, "contextual_alt_text", "")
        if not alt_text or is_file_name(alt_text, image):
            # The library's description if there is one; otherwise no alternative at all
            # (alt=""), which a screen reader skips, rather than a file name it reads out.
            description = (getattr(image, "description", "") or "").strip()
            image.contextual_alt_text = description
            image.decorative = not description
        return image

    def to_python(self, value):
        return self._with_described_alt(super().to_python(value))

    def bulk_to_python(self, values):
        # Wagtail reads a list of old values (image ids) or of new ones (dicts), not a mix of
        # both, which a page has once an editor adds a picture to older content: read each
        # kind on its own and keep the order.
        values = list(values)
        old = [i for i, value in enumerate(values) if value is None or isinstance(value, int)]
        new = [i for i in range(len(values)) if i not in set(old)]
        images = [None] * len(values)
        for positions in (old, new):
            if positions:
                read = super().bulk_to_python([values[i] for i in positions])
                for position, image in zip(positions, read, strict=True):
                    images[position] = image
        return [self._with_described_alt(image) for image in images]

    def clean(self, value):
        value = super().clean(value)
        if (
            value is not None
            and not getattr(value, "decorative", False)
            and is_file_name(getattr(value, "contextual_alt_text", ""), value)
        ):
            raise StructBlockValidationError(
                block_errors={"alt_text": ValidationError(FILE_NAME_ALT_MESSAGE)}
            )
        return value


class CaptionedImageBlock(blocks.StructBlock):
    image = DescribedImageBlock(
        help_text="Choose or upload an image, then describe it for people who cannot see it, "
        "or mark it as decorative."
    )
    caption = blocks.CharBlock(
        required=False,
        max_length=250,
        help_text="Optional text shown under the image, e.g. what it shows and who took it.",
    )

    class Meta:
        icon = "image"
        label = "Image"
        description = "A picture with a text alternative and an optional caption."
        template = "blocks/image_block.html"
        # Previewed with an example picture: the image library may be empty.
        preview_template = "blocks/previews/image_block.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(help_text="The words being quoted, without quotation marks.")
    attribution = blocks.CharBlock(
        required=False,
        max_length=200,
        help_text="Who said or wrote it, e.g. 'Amnesty International, January 2006'.",
    )

    class Meta:
        icon = "openquote"
        label = "Quote"
        description = "A quotation set apart from the text, with who said it."
        preview_value = {
            "quote": "Justice delayed is justice denied.",
            "attribution": "Families of the victims",
        }
        template = "blocks/quote_block.html"


class VideoEmbedBlock(EmbedBlock):
    class Meta:
        icon = "media"
        label = "Video or media"
        description = "A video or post from YouTube, Vimeo and similar sites, pasted as a link."
        help_text = "Paste the address of the video, e.g. https://www.youtube.com/watch?v=…"
        template = "blocks/embed_block.html"
        # Previewed with an example player: a real one would be fetched from the video site.
        preview_template = "blocks/previews/embed_block.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(help_text="Choose or upload a document (PDF, Word, …).")
    label = blocks.CharBlock(
        required=False,
        max_length=150,
        help_text="Link text. Leave empty to use the document's title.",
    )

    class Meta:
        icon = "doc-full"
        label = "Document download"
        description = "A link to download a report, briefing or letter."
        template = "blocks/document_link_block.html"
        # Previewed with an example link: the document library may be empty.
        preview_template = "blocks/previews/document_link_block.html"


class LinkBlock(blocks.StructBlock):
    """A link to a page on this site or to another website."""

    page = blocks.PageChooserBlock(
        required=False, help_text="A page on this site. Leave empty to link elsewhere."
    )
    url = blocks.URLBlock(required=False, help_text="Or the address of another website.")

    def clean(self, value):
        value = super().clean(value)
        if value.get("page") and value.get("url"):
            raise StructBlockValidationError(
                block_errors={
                    "url": ValidationError("Choose a page or enter an address, not both.")
                }
            )
        return value

    class Meta:
        icon = "link"
        label = "Link"


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, help_text="What you ask people to do.")
    text = blocks.TextBlock(required=False, help_text="One or two sentences on why it matters.")
    button_label = blocks.CharBlock(max_length=60, help_text="The words on the button.")
    button_page = blocks.PageChooserBlock(
        required=False, help_text="The page the button leads to on this site."
    )
    button_url = blocks.URLBlock(required=False, help_text="Or the address of another website.")

    def clean(self, value):
        value = super().clean(value)
        if not value.get("button_page") and not value.get("button_url"):
            raise StructBlockValidationError(
                block_errors={
                    "button_page": ValidationError(
                        "Choose a page or enter a web address for the button."
                    )
                }
            )
        return value

    class Meta:
        icon = "pick"
        label = "Call to action"
        description = "A highlighted box asking visitors to act, with a button."
        preview_value = {
            "heading": "Write to your MP",
            "text": "Ask your MP to support the extradition request.",
            "button_label": "Find out how",
            "button_url": "https://www.writetothem.com/",
        }
        template = "blocks/call_to_action_block.html"


class DemandsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        max_length=120, default="Our demands", help_text="Heading above the list."
    )
    demands = blocks.ListBlock(
        blocks.CharBlock(max_length=300, label="Demand"),
        help_text="One demand per line, in order of importance.",
    )

    class Meta:
        icon = "list-ul"
        label = "Key demands"
        description = "A numbered list of what the campaign asks for."
        preview_value = {
            "heading": "Our demands",
            "demands": ["Extradite Alberto Fujimori to Peru", "A fair and public trial"],
        }
        template = "blocks/demands_block.html"


class BodyStreamBlock(blocks.StreamBlock):
    """The body of articles and content pages."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    embed = VideoEmbedBlock()
    document = DocumentLinkBlock()

    class Meta:
        block_counts = {}


class CampaignBodyStreamBlock(BodyStreamBlock):
    """A campaign hub's body: the article blocks plus demands and calls to action."""

    demands = DemandsBlock()
    call_to_action = CallToActionBlock()


class MissionTextBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, help_text="The section's heading, e.g. 'PSG Aims'.")
    text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, help_text="The section's text. Keep it to a paragraph or two."
    )
    read_more = blocks.PageChooserBlock(
        required=False, help_text="Optional page with more on this subject."
    )
    image = DescribedImageBlock(required=False, help_text="Optional picture shown beside the text.")

    class Meta:
        icon = "doc-full"
        label = "Text section"
        description = "A heading and a paragraph about what PSG is and does."
        preview_value = {
            "heading": "PSG Aims",
            "text": "<p>The Peru Support Group exists to promote social inclusion, sustainable "
            "development and the observance of human rights in Peru.</p>",
        }
        template = "blocks/mission_text_block.html"


class MissionCallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, help_text="E.g. 'Why join the PSG?'.")
    reasons = blocks.ListBlock(
        blocks.CharBlock(max_length=200, label="Reason"),
        help_text="Short reasons, one per line, shown as a list.",
    )
    button_label = blocks.CharBlock(max_length=60, help_text="E.g. 'Become a member'.")
    button_page = blocks.PageChooserBlock(
        required=False,
        help_text="The page the button leads to, usually 'Become a member'. "
        "If empty, the button is not shown.",
    )

    class Meta:
        icon = "pick"
        label = "Call to action section"
        description = "A heading, a list of reasons and a button, e.g. to join PSG."
        preview_value = {
            "heading": "Why join the PSG?",
            "reasons": [
                "Keep up to date with latest news and developments in Peru",
                "Support the work of the Peru Support Group",
            ],
            "button_label": "Become a member",
        }
        template = "blocks/mission_call_to_action_block.html"


class MissionStreamBlock(blocks.StreamBlock):
    text_section = MissionTextBlock()
    call_to_action = MissionCallToActionBlock()
