"""Markdown for editor-written text, rendered and sanitized on the server.

markdown-it-py renders CommonMark with raw HTML switched off, so HTML typed by an editor
is shown as text; nh3 (the Rust ammonia sanitizer) then keeps only an allow-list of
tags, attributes and URL schemes, as a second line of defence.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = frozenset({"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "sub", "sup"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def render_markdown(text: str) -> SafeString:
    html = _renderer.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned.strip())  # noqa: S308 - sanitized by nh3 just above
