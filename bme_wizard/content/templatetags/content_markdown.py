from django import template

from bme_wizard.content.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Render editor Markdown as sanitized HTML: ``{{ statement.text|markdown }}``."""
    return render_markdown(text)
