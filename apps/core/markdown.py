"""Markdown for user-written text (articles, cases, ideas, replies): CommonMark with
tables, rendered by markdown-it-py with raw HTML off and then sanitised with nh3, so no
script, event handler, style or foreign iframe reaches a page whatever the input.

A video is embedded by putting its URL alone on a line; only hosts listed in
settings.PORTAL_VIDEO_EMBED_HOSTS become iframes, any other URL stays a link.

Rendering costs 5–30 µs a character (pure Python): a 1 MB idea draft took 6.3 s. The
portal's forms limit long texts (an idea's details and a request's description 10,000
characters, a reply 20,000), but rows stored before those limits, texts without one and
the article editor's preview are not bound by them; beyond MAX_MARKDOWN_CHARS a text is
shown as plain paragraphs instead, every character of it, escaped, in milliseconds.
"""

import re
import secrets
from urllib.parse import parse_qs, urlsplit

import nh3
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "iframe", "div",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "iframe": {"src", "title", "allowfullscreen", "loading"},
    "div": {"class"},
    "code": {"class"},
}
_VIDEO_LINE = re.compile(r"^(https://\S+)\s*$", re.MULTILINE)
# 2.5 times the longest limited Markdown field; the worst input measured (nested image
# brackets) renders this much in about 1.5 s, ordinary Markdown in a quarter of a second.
MAX_MARKDOWN_CHARS = 50_000
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def video_hosts() -> set[str]:
    return {h.lower() for h in getattr(settings, "PORTAL_VIDEO_EMBED_HOSTS", [])}


def _embed_url(url: str) -> str | None:
    """The iframe URL for a video link, or None when its host is not allowlisted."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or host not in video_hosts():
        return None
    if host in {"www.youtube.com", "youtube.com"} and parts.path == "/watch":
        video_id = parse_qs(parts.query).get("v", [""])[0]
        if re.fullmatch(r"[\w-]{6,20}", video_id):
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
        return None
    return url


def _attribute_filter_for(iframe_sources: set[str]):
    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        # Only iframes this renderer produced from allowlisted video links survive.
        if element == "iframe" and attribute == "src":
            return value if value in iframe_sources else None
        if element in {"div", "code"} and attribute == "class":
            return value if re.fullmatch(r"video|language-[\w+-]+", value) else None
        return value

    return attribute_filter


def _plain_html(text: str) -> SafeString:
    """Too long to format: the text as escaped paragraphs, its line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    notice = escape(_("This text is too long to be formatted; it is shown as plain text."))
    body = "".join("<p>" + escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
    return mark_safe(f"<p><em>{notice}</em></p>\n{body}")


def render_markdown(text: str) -> SafeString:
    if len(text or "") > MAX_MARKDOWN_CHARS:
        return _plain_html(text)
    placeholders: list[tuple[str, str]] = []
    # Unguessable, so text that happens to look like a placeholder stays text.
    nonce = secrets.token_hex(8)

    def stash(match: re.Match) -> str:
        src = _embed_url(match.group(1))
        if src is None:
            return match.group(0)
        placeholders.append((src, _("Embedded video")))
        return f"\n\nVIDEOEMBED{nonce}N{len(placeholders) - 1}\n\n"

    source = _VIDEO_LINE.sub(stash, text or "")
    html = _md.render(source)
    for index, (src, title) in enumerate(placeholders):
        iframe = (
            f'<div class="video"><iframe src="{escape(src)}" title="{escape(title)}" '
            f'loading="lazy" allowfullscreen></iframe></div>'
        )
        html = html.replace(f"<p>VIDEOEMBED{nonce}N{index}</p>", iframe)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter_for({src for src, _title in placeholders}),
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)


def markdown_to_text(text: str) -> str:
    """Plain text of a Markdown source, for search indexing and snippets."""
    if len(text or "") > MAX_MARKDOWN_CHARS:
        return re.sub(r"\s+", " ", text).strip()
    html = _md.render(text or "")
    return re.sub(r"\s+", " ", nh3.clean(html, tags=set())).strip()
