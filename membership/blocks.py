"""Blocks for the join page: the reasons to become a member."""

from wagtail import blocks


class ReasonBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        max_length=120,
        help_text="A short reason to join, e.g. 'Keep informed about human rights in Peru'.",
    )
    text = blocks.TextBlock(
        required=False,
        max_length=400,
        help_text="Optional: one or two sentences that explain the reason.",
    )

    class Meta:
        icon = "tick"
        label = "Reason to join"
        description = "One reason to become a member, shown as an item in a list."
        template = "membership/blocks/reason.html"
        preview_value = {
            "heading": "Keep informed",
            "text": "Receive the PSG newsletter and briefings on human rights in Peru.",
        }
