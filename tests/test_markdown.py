"""Editor Markdown is rendered on the server and sanitized: raw HTML never reaches a page."""

import pytest

from bme_wizard.content.markdown import ALLOWED_TAGS, render_markdown
from tests.html import assert_inert as _assert_inert


def assert_inert(html):
    _assert_inert(html, allowed_tags=ALLOWED_TAGS)


def test_markdown_renders():
    html = render_markdown("Use **NSAIDs** first.\n\n- one\n- two")
    assert "<strong>NSAIDs</strong>" in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        '<img src=x onerror="alert(1)">',
        '<a href="#" onclick="alert(1)">x</a>',
        "<svg onload=alert(1)>",
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_never_passed_through(payload):
    html = render_markdown(f"Text {payload} more")
    assert_inert(html)
    assert "&lt;" in html  # shown to the reader as text, not dropped silently


@pytest.mark.parametrize(
    "payload",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](javascript&#58;alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "![x](javascript:alert(1))",
    ],
)
def test_dangerous_link_schemes_are_removed(payload):
    assert_inert(render_markdown(payload))


def test_safe_links_keep_their_address_and_get_a_safe_rel():
    html = render_markdown("[guideline](https://example.org/g)")
    assert 'href="https://example.org/g"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
