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
