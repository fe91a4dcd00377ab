import pytest

from apps.core.text import (
    bigram_stream,
    char_code,
    normalize,
    normalize_with_offsets,
    query_terms,
    term_bigrams,
    unigram_set,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("粗大ゴミ", "粗大ごみ"),
        ("粗大ｺﾞﾐ", "粗大ごみ"),
        ("粗大ごみ", "粗大ごみ"),
        ("ｳﾞｧｲｵﾘﾝ", "ゔぁいおりん"),
        ("ヴァイオリン", "ゔぁいおりん"),
        ("ﾊﾟｿｺﾝ", "ぱそこん"),
        ("ＡＩ活用", "ai活用"),
        ("Power　Apps\n\t入門 ", "power apps 入門"),
        ("１，２００円", "1,200円"),
        ("㈱", "(株)"),
        ("Straße", "strasse"),
        ("ヶ月", "ゖ月"),
        ("", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    ["粗大ｺﾞﾐ回収", "  前後の 空白\n\nと改行  ", "ｶﾞｽ缶とｽﾌﾟﾚｰ缶", "㈱テスト", "Straße ǰ", "ヷ", "か\u3099", "ＡＢＣ"],
)
def test_offsets_agree_with_normalize_and_point_into_the_original(text):
    norm, spans = normalize_with_offsets(text)
    assert norm == normalize(text)
    assert len(spans) == len(norm)
    for char, (start, end) in zip(norm, spans, strict=True):
        assert 0 <= start < end <= len(text)
        if char != " ":
            assert char in normalize(text[start:end])


def test_tokens_are_fixed_width_and_a_term_is_the_phrase_of_its_bigrams():
    assert len(char_code("ご")) == len(char_code("a")) == len(char_code("😀")) == 5
    assert char_code("ご") != char_code("こ")
    stream = bigram_stream("電子申請")
    assert stream == [*term_bigrams("電子申請"), char_code("請")]
    assert term_bigrams("申請") == [stream[2]]
    assert bigram_stream("") == []
    # Only letters and digits: no tokenizer splits or changes them.
    assert all(token.isalnum() and token.isascii() and token == token.lower() for token in stream)


def test_query_terms():
    assert query_terms("粗大ゴミ  申請") == ["粗大ごみ", "申請"]
    assert query_terms('"電子 申請" ＡＩ') == ["電子 申請", "ai"]
    assert query_terms("「データ 活用」　研修") == ["でーた 活用", "研修"]
    assert query_terms("ごみ ゴミ ｺﾞﾐ") == ["ごみ"]
    assert query_terms('  "" ') == []
    assert len(query_terms(" ".join(str(n) for n in range(30)))) == 10


@pytest.mark.parametrize(
    ("text", "norm", "spans"),
    [
        # A run of whitespace is one space that covers the whole run of the original.
        ("ab  \n c", "ab c", [(0, 1), (1, 2), (2, 6), (6, 7)]),
        # Sound marks (half-width, full-width, combining) join the character before them.
        ("ｶﾞｽ", "がす", [(0, 2), (2, 3)]),
        ("か\u3099き", "がき", [(0, 2), (2, 3)]),
        # Any combining mark (Unicode category M), not only the kana ones.
        ("Cafe\u0301 X", "café x", [(0, 1), (1, 2), (2, 3), (3, 5), (5, 6), (6, 7)]),
        # Letters are never taken for marks.
        ("AX", "ax", [(0, 1), (1, 2)]),
        # One character may become several: each points at where it came from.
        ("㈱ＡＩ", "(株)ai", [(0, 1), (0, 1), (0, 1), (1, 2), (2, 3)]),
        ("  前後  ", "前後", [(2, 3), (3, 4)]),
    ],
)
def test_offsets_map_each_normalised_character_to_its_exact_origin(text, norm, spans):
    assert normalize_with_offsets(text) == (norm, spans)


def test_a_highlight_covers_the_whitespace_inside_a_phrase_as_typed():
    from apps.search.highlight import snippet_html

    body = "案内：電子　 申請の手順"
    html = str(snippet_html(body, normalize(body), ["電子 申請"]))
    assert "<mark>電子　 申請</mark>の手順" in html


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("", []),
        (None, []),
        ("   ", []),
        ('"電子申請', ["電子申請"]),  # a quote left open is not part of the word
        ('申請" ごみ', ["申請", "ごみ"]),
        ("ＲＰＡ　ｺﾞﾐ", ["rpa", "ごみ"]),
        ("『電子 申請』 ＡＩ", ["電子 申請", "ai"]),
    ],
)
def test_query_terms_of_odd_input(query, terms):
    assert query_terms(query) == terms


def test_unigrams_name_each_distinct_character_once():
    # What the PostgreSQL index stores beside the bigrams, so a one-character term is found
    # wherever its character is, the last character of a text included.
    assert unigram_set("ごみごみ") == {char_code("ご"), char_code("み")}
    assert unigram_set("") == set()
