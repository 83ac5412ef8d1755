from django import template

from editorial.deletion import delete_consequences

register = template.Library()


@register.simple_tag
def page_delete_consequences(page):
    """What disappears elsewhere on the site when `page` is deleted (editorial/deletion.py)."""
    return delete_consequences(page)
