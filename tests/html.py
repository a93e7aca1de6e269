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


# Attributes whose value a browser may load or run as a URL.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "codebase", "cite"}
)
# An <svg> itself runs nothing (the admin draws its icons with them): its handlers, scripts
# and links are caught like any other; its animation elements can rewrite a link, so they count.
DANGEROUS_TAGS = frozenset(
    {"iframe", "frame", "object", "embed", "applet", "base", "style", "animate", "set", "handler", "listener"}
)
# Scripts that are ours: static files, and the admin's translation catalogue view.
OWN_SCRIPTS = ("/admin/jsi18n/",)
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


def _scheme_text(value: str) -> str:
    """A URL as a browser reads its scheme: entities decoded (by the parser), controls and spaces gone."""
    return "".join(ch for ch in value if ch > " " and ch != "\x7f").lower()


def executable_markup(html: str, static_prefix: str = "/static/") -> list[str]:
    """What in ``html`` could run: script not from our static files, event handlers, script URLs,
    frames and embeds, styles, meta refresh. Empty when the page is inert apart from our own assets."""
    problems = []
    for tag, attrs in elements(html):
        where = f"<{tag} {attrs}>"
        if tag == "script":
            source = attrs.get("src") or ""
            # A JSON data block (Django's json_script, which escapes <, > and &) is never run by a browser.
            is_data = attrs.get("type") == "application/json" and not source
            if not (is_data or source.startswith(static_prefix) or source in OWN_SCRIPTS):
                problems.append(f"script not from our static files: {where}")
        if tag in DANGEROUS_TAGS:
            problems.append(f"{tag} element: {where}")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            problems.append(f"meta refresh: {where}")
        if tag == "link" and not (attrs.get("href") or "").startswith(static_prefix):
            problems.append(f"link to something not ours: {where}")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"event handler {name}: {where}")
            if name == "srcdoc":
                problems.append(f"srcdoc: {where}")
            if name in URL_ATTRIBUTES and _scheme_text(value or "").startswith(DANGEROUS_SCHEMES):
                problems.append(f"script URL in {name}: {where}")
    return problems
