from apps.accounts.roles import Role
from apps.search.selectors import similar
from tests.factories import UserFactory
from tests.search.conftest import Note

NOTES = [
    Note("sodai", "粗大ゴミ収集の電話予約をオンライン化", "粗大ごみの受付をLINEとWebで", days_ago=5),
    Note("shigen", "資源ごみの分別アプリ", "ごみ分別辞典をアプリで提供", days_ago=4),
    Note("juminhyo", "住民票のコンビニ交付", "マイナンバーカードで住民票の写しを取得", days_ago=3),
    Note("kyuyo", "給与事務のRPA化", "年末調整の入力をRPAで自動化した", days_ago=2),
    Note("coe", "粗大ゴミ予約システムの内部検討", "COE内部の検討メモ", days_ago=1, audience="coe"),
]


def _names(hits):
    return [hit.meta[0] for hit in hits]


def test_similar_finds_documents_sharing_distinctive_words(put_note):
    for number, note in enumerate(NOTES, start=1):
        put_note(note, number)
    staff = UserFactory()
    # Japanese without spaces: the rare kanji/katakana bigrams (粗大, 予約 …) carry it.
    assert _names(similar("粗大ゴミの予約をもっと簡単にしたい", user=staff)) == ["sodai"]
    assert _names(similar("住民票をコンビニで取れるようにしたい", user=staff)) == ["juminhyo"]
    assert _names(similar("RPAで給与計算を自動化", user=staff)) == ["kyuyo"]
    # 資源ごみ shares only ごみ with 粗大ゴミ: one shared word is chance, not similarity.
    assert "shigen" not in _names(similar("粗大ゴミの予約", user=staff))
    # COE-only documents only for COE members; the object being edited is left out.
    assert _names(similar("粗大ゴミ予約システム", user=staff)) == ["sodai"]
    coe = UserFactory(roles=[Role.COE])
    # The COE note shares 粗大ゴミ, 予約 and システム: it ranks first.
    assert _names(similar("粗大ゴミ予約システム", user=coe)) == ["coe", "sodai"]
    assert _names(similar("粗大ゴミ予約システム", user=coe, exclude=("test-note", 5))) == ["sodai"]
    assert [str(hit.title_html) for hit in similar("粗大ゴミ予約", user=staff)] == [
        "<mark>粗大ゴミ</mark>収集の電話<mark>予約</mark>をオンライン化"
    ]


def test_similar_with_nothing_distinctive(put_note):
    put_note(NOTES[0], 1)
    staff = UserFactory()
    assert similar("", user=staff) == []
    assert similar("これはそれです", user=staff) == []  # hiragana only: no content words
    assert similar("宇宙開発", user=staff) == []
    assert similar("粗大ゴミ", user=staff, types=["test-announcement"]) == []


def _put_all(put_note, notes):
    for number, note in enumerate(notes, start=1):
        put_note(note, number)


def test_a_kanji_compound_is_also_looked_for_by_its_two_kanji_words(put_note):
    """電子申請 typed: 電子 and 申請 are words of their own (two-character words, PRODUCT.md)."""
    _put_all(
        put_note,
        [
            Note("exact", "電子申請の手引き", "オンラインで受け付ける", days_ago=4),
            Note("both", "申請の電子化", "紙の手続をなくす", days_ago=3),
            Note("one", "申請書の書き方", "記入例", days_ago=2),
            Note("other", "電子決裁の手引き", "決裁の流れ", days_ago=1),
        ],
    )
    staff = UserFactory()
    # The compound itself first, then both its parts; one part alone is chance.
    assert _names(similar("電子申請", user=staff)) == ["exact", "both"]
    # 電子申請窓口 gives 電子, 申請 and 窓口 (not 電子申請): the two share the same words, newer first.
    assert _names(similar("電子申請窓口を作る", user=staff)) == ["both", "exact"]


def test_a_katakana_word_is_not_cut_into_pieces(put_note):
    _put_all(
        put_note,
        [
            Note("digital", "デジタル化の推進", "庁内の取組", days_ago=2),
            # Contains でじ … たる in hiragana pieces: never a match for デジタル.
            Note("pieces", "でじかめの貸出", "担当にあたる職員", days_ago=1),
            Note("database", "データベースの基礎", "", days_ago=3),
            # でー and たべ, pieces of データベース (whose second character is ー).
            Note("pieces2", "でーたをたべる", "", days_ago=1),
        ],
    )
    assert _names(similar("デジタル", user=UserFactory())) == ["digital"]
    assert _names(similar("データベース", user=UserFactory())) == ["database"]


def test_a_word_typed_twice_still_counts_once(put_note):
    _put_all(put_note, NOTES)
    # 資源ごみ shares only ごみ (typed twice): one shared word is chance.
    assert _names(similar("粗大ゴミとゴミ袋", user=UserFactory())) == ["sodai"]


def test_two_shared_words_are_enough_and_one_is_not(put_note):
    _put_all(put_note, NOTES)
    # 住民票, コンビニ (juminhyo) and RPA (kyuyo): juminhyo shares two, kyuyo one.
    assert _names(similar("住民票をコンビニとRPAで", user=UserFactory())) == ["juminhyo"]


def test_words_found_only_in_the_body_count(put_note):
    _put_all(put_note, NOTES)
    assert _names(similar("年末調整の入力", user=UserFactory())) == ["kyuyo"]


def test_words_in_the_title_weigh_more_than_in_the_body_and_ties_go_to_the_newest(put_note):
    _put_all(
        put_note,
        [
            # Indexed first, so only the dates can put it last.
            Note("older twin", "ノーコード講座", "ＲＰＡ研修と同時開催", days_ago=9),
            Note("body", "庁内のお知らせ", "RPA研修を実施します", days_ago=1),
            Note("title", "RPA研修の案内", "参加者を募集します", days_ago=5),
        ],
    )
    assert _names(similar("RPA研修", user=UserFactory())) == ["title", "body", "older twin"]


def test_an_old_document_with_the_words_in_its_title_is_not_crowded_out(put_note):
    """Candidates come from the newest matches of each word and, separately, from titles
    with the two rarest words: forty newer documents that mention them in passing do not
    hide the one that is about them."""
    notes = [Note("about", "蛍光灯の照明交換", "全庁で実施", days_ago=400)]
    notes += [Note(f"mention{n}", f"記録{n}", "蛍光灯と照明を点検", days_ago=n) for n in range(41)]
    notes += [Note(f"meeting{n}", f"会議{n}", "", days_ago=n) for n in range(45)]  # 会議 is commoner
    _put_all(put_note, notes)
    assert _names(similar("蛍光灯と照明と会議", user=UserFactory()))[0] == "about"


def test_leaving_out_the_object_being_edited_leaves_other_kinds_with_the_same_id(put_note):
    put_note(Note("note", "粗大ゴミ予約の改善", "電話予約", kind="test-note"), 7)
    put_note(Note("announcement", "粗大ゴミ予約の休止", "電話予約", kind="test-announcement"), 7)
    staff = UserFactory()
    assert _names(similar("粗大ゴミ予約", user=staff, exclude=("test-note", 7))) == ["announcement"]
    assert _names(similar("粗大ゴミ予約", user=staff, exclude=("test-announcement", 7))) == ["note"]


def test_rare_words_decide_over_common_ones(put_note):
    notes = [Note(f"filler{n}", f"{word}の記録{n}", "", days_ago=10 + n) for n, word in enumerate(["会議", "資料"] * 2)]
    notes += [
        Note("target", "照明の蛍光灯交換", "", days_ago=5),
        Note("decoy", "会議資料の置き場", "", days_ago=1),
    ]
    _put_all(put_note, notes)
    # Two words each: 照明 and 蛍光灯 are in one document only, 会議 and 資料 in three.
    assert _names(similar("会議、資料、照明、蛍光灯", user=UserFactory())) == ["target", "decoy"]


def test_of_many_words_typed_the_rarest_are_looked_for(put_note):
    common = ["会議", "資料", "印刷", "予算", "決裁", "申請"]
    notes = [Note(f"filler{n}", f"{word}の記録{n}", "", days_ago=10 + n) for n, word in enumerate(common * 2)]
    notes.append(Note("target", "照明の蛍光灯交換", "", days_ago=30))
    _put_all(put_note, notes)
    # Eight words typed, six looked for: the two that only one document has are among them.
    assert _names(similar("、".join([*common, "照明", "蛍光灯"]), user=UserFactory())) == ["target"]


def test_a_document_with_both_rare_words_is_found_among_many_with_one(put_note):
    """Candidates also come from the two rarest words together: the document that has both
    is found even when each word alone is in more newer documents than are read per word."""
    notes = [Note("both", "庁内の記録", "蛍光灯の照明を交換", days_ago=400)]
    notes += [Note(f"a{n}", f"記録a{n}", "蛍光灯の在庫", days_ago=n) for n in range(41)]
    notes += [Note(f"b{n}", f"記録b{n}", "照明の点検", days_ago=n) for n in range(41)]
    notes += [Note(f"c{n}", f"会議{n}", "", days_ago=n) for n in range(50)]  # 会議 is commoner
    _put_all(put_note, notes)
    assert _names(similar("蛍光灯と照明と会議", user=UserFactory())) == ["both"]


def test_an_empty_text_finds_nothing_even_beside_placeholder_text(put_note):
    """Forms ask for similar content as soon as a field changes, empty included: nothing typed
    is never "similar" to anything, not even to a template full of XXXX placeholders."""
    put_note(Note("template", "申請書の記入例 XXXX", "電話番号 XXXX-XXXX、氏名 XXXX", days_ago=1), 1)
    staff = UserFactory()
    assert similar("", user=staff) == []
    assert similar(None, user=staff) == []
    assert _names(similar("記入例 XXXX", user=staff)) == ["template"]  # the note is findable


def test_equal_matches_go_newest_first_even_when_a_common_word_buries_the_newer_one(put_note):
    """Two documents share the same words with the text: the newer one comes first. It does so
    even when one of the words is in many newer documents, so that looking that word up on
    its own finds the newer match only far down its list and misses the older one."""
    notes = [
        Note("newer", "お知らせ", "蓄電池の設置に補助金が出ます", days_ago=10),
        Note("older", "ご案内", "蓄電池の設置に補助金が出ます", days_ago=20),
    ]
    notes += [Note(f"other{n}", f"案内{n}", "補助金の申請期限", days_ago=1) for n in range(39)]
    _put_all(put_note, notes)

    assert _names(similar("蓄電池 補助金", user=UserFactory(), limit=5)) == ["newer", "older"]
