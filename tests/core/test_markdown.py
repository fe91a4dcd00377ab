import pytest
from django.test import override_settings

from apps.core.markdown import markdown_to_text, render_markdown

HOSTS = override_settings(PORTAL_VIDEO_EMBED_HOSTS=["www.youtube.com", "web.microsoftstream.com"])


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert('x')</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "<img"),
        ("![x](javascript:alert(1))", 'src="javascript:'),
        ("[クリック](javascript:alert(1))", 'href="javascript:'),
        ('<a href="javascript:alert(1)">x</a>', 'href="javascript:'),
        ('<a href="#" onclick="steal()">x</a>', "<a"),
        ("<iframe src='https://evil.example/'></iframe>", "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
    ],
)
def test_nothing_dangerous_reaches_the_page(source, forbidden):
    with HOSTS:
        html = render_markdown(source)
    assert forbidden not in html.lower()


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
