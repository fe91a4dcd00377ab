"""Snippets are cut around the first match of the original text, however much whitespace or
width folding lies before it (only the prefix up to the match is folded)."""

import pytest

from apps.core.text import normalize
from apps.search.highlight import snippet_html


@pytest.mark.parametrize(
    ("body", "terms", "marked"),
    [
        # Whitespace runs collapse in the normalised text: the match lies later in the original.
        ("前置き\n\n" + "段落。\n\n   \t" * 60 + "ここで粗大ゴミの話。", ["粗大ごみ"], "<mark>粗大ゴミ</mark>の話"),
        # Full-width letters fold one to one.
        ("　" * 50 + "説明" * 40 + "ＡＩの活用", ["ai"], "<mark>ＡＩ</mark>の活用"),
        # "…" becomes three characters: not one to one, the exact (slower) mapping is used.
        ("…" * 30 + "説明" * 40 + "最後に申請", ["申請"], "最後に<mark>申請</mark>"),
        # Half-width kana with sound marks merge under NFKC.
        ("ﾃﾞｰﾀ" * 30 + "説明" * 40 + "ｶﾞｽ缶", ["がす"], "<mark>ｶﾞｽ</mark>缶"),
        # The earlier of two words wins.
        ("あ" * 100 + "申請と電子", ["電子", "申請"], "<mark>申請</mark>と<mark>電子</mark>"),
    ],
)
def test_snippet_is_a_window_around_the_first_match(body, terms, marked):
    html = str(snippet_html(body, normalize(body), terms))
    assert marked in html
    assert html.startswith("…")
    assert len(html) < 400
