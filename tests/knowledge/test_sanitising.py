"""Whatever an editor types, no script, event handler, javascript: link or foreign iframe
reaches the article page; allowlisted video links become players."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ATTACKS = {
    "script": "前文\n\n<script>alert('x')</script>\n\n後文",
    "onerror": '<img src="x" onerror="alert(1)">\n\n![画像](/static/x.png" onerror="alert(1))',
    "javascript link": '[ここをクリック](javascript:alert(1))\n\n<a href="javascript:alert(2)">b</a>',
    "iframe": '<iframe src="https://evil.example/"></iframe>\n\nhttps://evil.example/watch?v=abcdefg',
    "style": '<div style="position:fixed">x</div><style>body{display:none}</style>',
    "svg": '<svg onload="alert(1)"><script>alert(2)</script></svg>',
    "data uri": "[リンク](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
}


def body_html(client, article) -> str:
    html = client.get(article.get_absolute_url()).content.decode()
    return html.split('<div class="prose kb-body">', 1)[1].split("</div>\n", 1)[0]


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML (text is not markup)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def unsafe(html: str) -> list[str]:
    found = []
    for tag, attrs in Elements(html).tags:
        if tag in {"script", "iframe", "style", "svg", "object", "embed", "form"}:
            found.append(tag)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                found.append(f"{tag}[{name}]")
            if name in {"href", "src"} and value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"{tag}[{name}={value}]")
    return found


def test_the_checker_sees_an_attack():
    assert unsafe('<p>ok</p><img src=x onerror="a()"><a href="javascript:x">y</a><script></script>') == [
        "img[onerror]",
        "a[href=javascript:x]",
        "script",
    ]


@pytest.mark.parametrize("name", ATTACKS)
def test_attacks_never_reach_the_page(client_for, staff_user, article_factory, name):
    article = article_factory(body=ATTACKS[name])
    client = client_for(staff_user)
    html = client.get(article.get_absolute_url()).content.decode()
    main = html.split("<main", 1)[1]
    assert unsafe(body_html(client, article)) == []
    assert not [tag for tag, _attrs in Elements(main).tags if tag in {"script", "iframe", "style"}]


def test_allowlisted_video_becomes_an_iframe(client_for, staff_user, article_factory, settings):
    settings.PORTAL_VIDEO_EMBED_HOSTS = ["www.youtube.com"]
    article = article_factory(body="研修動画です。\n\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n\n以上。")
    body = body_html(client_for(staff_user), article)
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in body
    assert 'title="' in body  # the player has an accessible name


def test_a_host_off_the_allowlist_stays_a_plain_line(client_for, staff_user, article_factory, settings):
    settings.PORTAL_VIDEO_EMBED_HOSTS = ["www.youtube.com"]
    article = article_factory(body="https://player.vimeo.com/video/1234567")
    body = body_html(client_for(staff_user), article)
    assert "<iframe" not in body and "player.vimeo.com" in body


def test_code_blocks_tables_and_images_are_kept(client_for, staff_user, article_factory):
    article = article_factory(
        body="```powershell\nGet-Team | Select DisplayName\n```\n\n| 項目 | 値 |\n|---|---|\n| 容量 | 1TB |\n\n"
        "![構成図](/knowledge/1/attachments/2/)"
    )
    body = body_html(client_for(staff_user), article)
    assert '<code class="language-powershell">' in body
    assert "<table>" in body and "<td>1TB</td>" in body
    assert '<img src="/knowledge/1/attachments/2/" alt="構成図">' in body


def test_titles_and_tags_are_escaped_everywhere(client_for, coe_user, article_factory, tag_factory):
    article = article_factory(title="<b>太字</b><script>x()</script>", tags=[tag_factory(name="<i>t</i>")])
    client = client_for(coe_user)
    for url in (
        article.get_absolute_url(),
        reverse("knowledge:list"),
        reverse("knowledge:edit", args=[article.pk]),
        reverse("knowledge:history", args=[article.pk]),
        reverse("knowledge:revision", args=[article.pk, 1]),
    ):
        html = client.get(url).content.decode()
        assert "<script>x()" not in html and "<b>太字" not in html and "<i>t</i>" not in html, url


def test_preview_is_sanitised_too(client_for, coe_user):
    html = (
        client_for(coe_user)
        .post(reverse("knowledge:preview"), {"body": "<script>alert(1)</script>[x](javascript:alert(1))"})
        .content.decode()
    )
    assert unsafe(html) == [] and "&lt;script&gt;" in html
