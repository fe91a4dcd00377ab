from html.parser import HTMLParser

import pytest
from django.test import override_settings

from apps.core.markdown import markdown_to_text, render_markdown

HOSTS = override_settings(PORTAL_VIDEO_EMBED_HOSTS=["www.youtube.com", "web.microsoftstream.com"])


class ElementCollector(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = ElementCollector()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>",
        '<img src="x" onerror="alert(1)">',
        "![x](javascript:alert(1))",
        "[クリック](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="#" onclick="steal()">x</a>',
        "<iframe src='https://evil.example/'></iframe>",
        "<style>body{display:none}</style>",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](JaVaScRiPt:alert(1))",
        "https://evil.example/watch?v=dQw4w9WgXcQ",
    ],
)
def test_nothing_dangerous_reaches_the_page(source):
    with HOSTS:
        found = elements(render_markdown(source))
    for tag, attrs in found:
        assert tag not in {"script", "style", "iframe", "object", "embed"}, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (tag, name, value)


def test_markdown_features_survive_sanitising():
    source = "## 手順\n\n1. **申請**する\n\n| 項目 | 値 |\n|---|---|\n| 時間 | 3h |\n\n```\nprint('ok')\n```\n\n[案内](https://city.example.jp/)"
    html = render_markdown(source)
    assert "<h2>手順</h2>" in html
    assert "<strong>申請</strong>" in html
    assert "<table>" in html and "<td>3h</td>" in html
    assert "<pre><code>print(&#39;ok&#39;)" in html or "<pre><code>print('ok')" in html
    assert 'href="https://city.example.jp/"' in html and 'rel="noopener noreferrer"' in html


def test_allowlisted_video_becomes_a_titled_player_and_others_stay_links():
    with HOSTS:
        html = render_markdown(
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ\n\nhttps://videos.evil.example/watch?v=dQw4w9WgXcQ"
        )
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert 'title="' in html
    assert html.count("<iframe") == 1
    assert "videos.evil.example" in html


def test_text_looking_like_an_internal_placeholder_stays_text():
    with HOSTS:
        html = render_markdown("VIDEOEMBED0X\n\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert html.count("<iframe") == 1
    assert "VIDEOEMBED0X" in html


def test_plain_text_for_search():
    assert markdown_to_text("# 見出し\n\n**太字**と[リンク](https://a.example)") == "見出し 太字とリンク"
