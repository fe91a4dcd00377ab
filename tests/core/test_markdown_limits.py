"""Issue #14: a 1 MB Markdown text took 6.3 s to render. Texts stored before the length
limits, texts without one and the editor's preview can still be that long: beyond
MAX_MARKDOWN_CHARS they are shown as plain paragraphs, whole and escaped, at once."""

import time

from apps.core.markdown import MAX_MARKDOWN_CHARS, markdown_to_text, render_markdown

ONE_MB = 1024 * 1024
LINE = "- 手順 **太字** [リンク](https://example.jp/) <script>alert(1)</script>\n"


def one_megabyte() -> str:
    return (LINE * (ONE_MB // len(LINE) + 1))[:ONE_MB]


def test_a_one_megabyte_text_is_shown_whole_and_quickly():
    text = one_megabyte() + "\r\n\r\n最後の段落"
    started = time.perf_counter()
    html = str(render_markdown(text))
    index = markdown_to_text(text)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.5, f"{elapsed:.1f} s"  # was about 5 s for this text on the test machine
    assert "too long to be formatted" in html or "長すぎる" in html  # says why it is not formatted
    assert html.count("手順") == text.count("手順")  # every line is there
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<p>最後の段落</p>" in html
    assert "最後の段落" in index and "\n" not in index  # indexed as one line of words


def test_texts_up_to_the_limit_are_still_formatted():
    text = (LINE * (MAX_MARKDOWN_CHARS // len(LINE)))[:MAX_MARKDOWN_CHARS]
    html = str(render_markdown(text))
    assert "<strong>太字</strong>" in html and "<li>" in html
    assert "too long to be formatted" not in html
