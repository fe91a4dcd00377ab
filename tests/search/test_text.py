import pytest

from apps.core.text import bigram_stream, char_code, normalize, normalize_with_offsets, query_terms, term_bigrams


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
