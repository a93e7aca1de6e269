"""Parse rendered HTML as a browser would, to assert on elements rather than on strings."""

from html.parser import HTMLParser


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag with its attributes."""
    parser = _Elements()
    parser.feed(html)
    return parser.found


def assert_inert(html: str, allowed_tags=None) -> None:
    """No script, no event handler, no link but http(s)/mailto/fragment; optionally only allowed tags."""
    for tag, attrs in elements(html):
        assert tag != "script", attrs
        if allowed_tags is not None:
            assert tag in allowed_tags, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        href = (attrs.get("href") or "").strip().lower()
        assert not href or href.startswith(("http://", "https://", "mailto:", "#", "/")), href
