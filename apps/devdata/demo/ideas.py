"""Demo idea challenges: every phase can be seen.

- 「Microsoftいいね！チャレンジ」, 10 Aug – 6 Sep of last year, modelled on Fukui Prefecture's:
  22 ideas, 370 いいね from the 60 demo users, sealed, results published, official answers.
  Most liked: COVID-19 rapid response, a citizen-friendly information environment, RPA.
- a challenge accepting ideas now (with one idea waiting for the COE and a draft);
- a challenge in voting now, with a budget of 3 votes and counts hidden until the results.

Idempotent: a challenge that exists (by title) is left alone.
"""

import random
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.ideas.models import AnswerStatus, Category, Challenge, Comment, Idea, IdeaEvent, Vote
from apps.ideas.services import challenge_seal
from apps.search.services import search_index_update

TOKYO = ZoneInfo("Asia/Tokyo")
ANSWER_STATUSES = [
    ("採用", "Adopted"),
    ("検討中", "Under consideration"),
    ("実施中", "In progress"),
    ("実現", "Realised"),
    ("見送り", "Not adopted"),
]
CATEGORIES = [
    ("業務効率化", "Efficiency"),
    ("市民サービス", "Services for residents"),
    ("働き方改革", "Ways of working"),
    ("データ活用", "Using data"),
    ("危機管理", "Crisis response"),
]
FUKUI_TITLE = "Microsoftいいね！チャレンジ"
FUKUI_THEME = """Microsoft 365（Teams・SharePoint・Forms）や Power Platform、RPA を使って、
**「こんな仕事のやり方に変えたい」「市民のためにこうしたい」** というアイデアを募集します。

- 職員なら誰でも応募できます（共同提案も歓迎）
- 全職員の「いいね！」で優れたアイデアを選び、DX推進課（COE）が実現を支援します
- 小さな改善も大歓迎です。まずは気軽に投稿してください
"""
# (title, summary, body, category index, department code, いいね, tags)
FUKUI_IDEAS = [
    ("新型コロナ対応の迅速化：Teams と Forms で保健所業務を支える",
     "感染者の健康観察や相談受付を Forms と Teams で共有し、電話と紙の転記をなくして対応を速くする。",
     "## 課題\n電話で受けた健康観察の結果を紙に書き、Excel に転記しているため、集計に毎日2時間かかっている。\n\n"
     "## 提案\n- 健康観察を Forms で回答してもらい、結果を自動で一覧化\n"
     "- 応援職員とは Teams のチャネルで最新情報を共有\n\n"
     "## 効果\n転記作業がなくなり、重症化の兆しに早く気づける。", 4, "410", 48, "Teams, Forms, 保健所"),
    ("市民にやさしい情報環境：やさしい日本語とチャットボットで案内",
     "ホームページの案内をやさしい日本語にそろえ、よくある質問は24時間チャットボットで答える。",
     "外国人住民や高齢の方から「ホームページが分かりにくい」という声が多い。\n\n"
     "1. よくある質問 100 件をやさしい日本語に書き直す\n2. Power Virtual Agents でチャットボットを作る\n"
     "3. 答えられなかった質問を毎月見直す", 1, "120", 41, "チャットボット, やさしい日本語"),
    ("RPA による定型業務の効率化：会計伝票と給与データの入力を自動化",
     "毎月の会計伝票入力と給与データの転記を RPA に任せ、年間 1,200 時間の作業を削減する。",
     "各課で同じ入力作業を手で行っている。RPA で自動化し、職員は確認だけにする。\n\n"
     "まずは財政課の伝票入力で試行し、効果を測ってから全庁に広げる。", 0, "230", 36, "RPA, 会計"),
    ("Power Apps で道路の損傷を現場から報告",
     "パトロール中にスマートフォンで写真と位置を送り、事務所に戻ってからの報告書作成をなくす。",
     "紙の報告書と写真の整理に毎日30分かかっている。Power Apps で報告すると地図に自動で表示される。", 0, "620", 30,
     "Power Apps, 道路"),
    ("Teams 会議でペーパーレス庁議", "庁議資料を SharePoint で共有し、印刷と配布をやめる。",
     "毎回 30 部・200 ページの印刷をやめ、タブレットで閲覧する。", 2, "110", 25, "ペーパーレス, Teams"),
    ("粗大ごみ収集の予約をオンラインで", "電話だけの粗大ごみ受付を電子申請でも受け付け、混雑時の待ち時間をなくす。",
     "月曜の朝は電話がつながりにくい。電子申請なら24時間受け付けられる。", 1, "530", 22, "電子申請, ごみ"),
    ("Power BI で予算の執行状況を見える化", "各課の予算執行率を、毎日自動で更新されるダッシュボードで見る。",
     "財務会計システムのデータを Power BI で可視化する。", 3, "220", 20, "Power BI, 予算"),
    ("会議録の作成を音声文字起こしで効率化", "Teams の文字起こしを使い、会議録の下書きを自動で作る。",
     "1時間の会議の記録に3時間かかっている。", 0, "310", 18, "Teams, 会議録"),
    ("窓口の予約システムで待ち時間ゼロ", "転入・転出の手続きを事前予約制にし、窓口の待ち時間をなくす。",
     "3月・4月は待ち時間が2時間を超える。", 1, "310", 16, "窓口, 予約"),
    ("テレワークでの文書共有ルールを SharePoint にまとめる", "どこに何を保存するかを全庁で統一し、探す時間を減らす。",
     "ファイルサーバーと個人の PC に文書が散らばっている。", 2, "210", 14, "SharePoint, テレワーク"),
    ("子育て支援の情報を LINE で届ける", "健診や給付の案内を、対象の家庭に LINE で届ける。",
     "必要な人に必要な情報が届いていない。", 1, "440", 14, "子育て, LINE"),
    ("防災情報を Teams チャネルで一斉共有", "災害時の各課の状況を Teams の専用チャネルで集める。",
     "電話とファクスでは状況の集約に時間がかかる。", 4, "710", 13, "防災, Teams"),
    ("介護保険の問い合わせ FAQ をナレッジにまとめる", "よくある問い合わせと答えを共有し、誰でも同じ案内をする。",
     "担当者によって回答が違うことがある。", 1, "420", 12, "FAQ, 介護保険"),
    ("Excel マクロを Power Automate へ移行", "作った人しか分からないマクロを棚卸しし、Power Automate に移す。",
     "異動のたびに動かなくなるマクロがある。", 0, "220", 11, "Excel, Power Automate"),
    ("公園遊具の点検写真を AI で分類", "点検写真から劣化の程度を AI で判定し、修繕の優先順位づけを助ける。",
     "年間 5,000 枚の写真を目で確認している。", 3, "630", 10, "AI, 公園"),
    ("税証明のコンビニ交付をもっと知ってもらう", "窓口に来た方にコンビニ交付を案内し、待ち時間を減らす。",
     "コンビニ交付の利用率がまだ低い。", 1, "330", 9, "マイナンバーカード, 税"),
    ("学校との連絡を Teams に一本化", "教育委員会と学校の連絡をメール・ファクスから Teams に移す。",
     "連絡手段がばらばらで確認漏れが起きる。", 2, "810", 8, "学校, Teams"),
    ("庁内アンケートを Forms で標準化", "紙と Excel のアンケートを Forms にし、集計を自動化する。",
     "集計に手間がかかっている。", 0, "210", 7, "Forms, アンケート"),
    ("バス停の利用状況をオープンデータで公開", "バス停ごとの乗降データを公開し、民間のアプリでも使えるようにする。",
     "データが庁内にしかない。", 3, "640", 6, "オープンデータ, 交通"),
    ("ごみ分別アプリの多言語化", "ごみ分別アプリを英語・中国語・ベトナム語にも対応させる。",
     "外国人住民からの問い合わせが多い。", 1, "520", 5, "多言語, ごみ"),
    ("会議室の予約を Outlook に統合", "紙の予約簿をやめ、Outlook の予定表から会議室を予約する。",
     "予約簿を見に行く手間がある。", 2, "240", 3, "Outlook, 会議室"),
    ("生涯学習講座のオンライン配信", "講座を録画して配信し、会場に来られない方も受講できるようにする。",
     "平日昼間の講座に参加できない市民が多い。", 1, "830", 2, "オンライン, 生涯学習"),
]  # fmt: skip
ANSWERS = {
    0: ("実現", "健康観察の Forms 化は保健所で本格運用を始めました。転記作業は1日あたり約2時間減っています。"),
    1: (
        "実施中",
        "広報広聴課と DX推進課で、よくある質問のやさしい日本語化を進めています。チャットボットは来年度に公開予定です。",
    ),
    2: ("採用", "財政課で RPA の試行を始めます。効果を確かめた後、全庁展開を検討します。"),
    3: ("検討中", "道路管理課と現場での使い方を検討しています。"),
    21: ("見送り", "今年度は会場のネットワーク環境が整わないため見送ります。環境が整い次第、改めて検討します。"),
}

OPEN_TITLE = "ペーパーレス推進アイデア募集"
OPEN_THEME = "紙の書類・押印・印刷を減らすアイデアを募集します。小さな工夫も歓迎です。"
OPEN_IDEAS = [
    ("決裁を電子決裁に一本化", "紙の回議をやめ、文書管理システムの電子決裁だけにする。", "230"),
    ("押印が必要な様式の総点検", "条例・規則で押印が求められていない様式から押印欄をなくす。", "210"),
    ("研修資料をすべて SharePoint で配布", "研修の紙資料をやめ、事前に SharePoint で配布する。", "210"),
    ("議会答弁資料の作成を共同編集で", "答弁資料を Word の共同編集で作り、印刷と差し替えをなくす。", "110"),
]
VOTING_TITLE = "生成AI活用アイデアチャレンジ"
VOTING_THEME = "生成AIを安全に使って、仕事や市民サービスをよくするアイデアを募集します。1人3票まで投票できます。"
VOTING_IDEAS = [
    ("議事録の要約を生成AIで作成", "会議の文字起こしから要点と決定事項を自動でまとめる。", "310"),
    (
        "問い合わせメールの返信案を生成AIで",
        "よくある問い合わせへの返信の下書きを生成AIに作らせ、職員が確認して送る。",
        "120",
    ),
    ("広報紙の記事をやさしい日本語に変換", "広報紙の記事をやさしい日本語版に書き換える作業を生成AIで支援する。", "120"),
    ("補助金の要綱から FAQ を自動作成", "要綱・要領から想定問答を生成AIで作り、窓口の案内をそろえる。", "410"),
    ("Excel 関数の相談窓口を生成AIで", "Excel の関数やマクロの質問に答えるチャットを庁内向けに用意する。", "220"),
    ("多言語の窓口案内を生成AIで翻訳", "窓口の案内文を生成AIで多言語に翻訳し、職員が確認して掲示する。", "310"),
    ("過去の事例検索を生成AIで", "ナレッジと事例ライブラリを自然な文章で検索できるようにする。", "130"),
    ("会議資料のチェックリストを生成AIで", "資料の誤字・表記ゆれ・個人情報の載せ忘れを生成AIで確認する。", "240"),
]


@contextmanager
def _explicit_created_at(*models):
    """bulk_create would set created_at to now (auto_now_add); demo history needs past dates."""
    fields = [model._meta.get_field("created_at") for model in models]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _statuses() -> dict[str, AnswerStatus]:
    result = {}
    for order, (ja, en) in enumerate(ANSWER_STATUSES, start=1):
        status, _ = AnswerStatus.objects.get_or_create(name_ja=ja, defaults={"name_en": en, "sort_order": order * 10})
        result[ja] = status
    return result


def _categories(challenge: Challenge) -> list[Category]:
    return [
        Category.objects.create(challenge=challenge, name_ja=ja, name_en=en, sort_order=i)
        for i, (ja, en) in enumerate(CATEGORIES)
    ]


def _author_for(code: str, users: list[User], used: set[int]) -> User:
    """A member of staff of that department who has not written a demo idea yet, if any."""
    candidates = [u for u in users if u.department and u.department.code == code and u.pk not in used]
    candidates = candidates or [u for u in users if u.pk not in used and not u.has_role(Role.ADMIN)] or users
    author = candidates[0]
    used.add(author.pk)
    return author


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def _seed_fukui(users: list[User], coe: User, statuses: dict[str, AnswerStatus], rng: random.Random) -> int:
    year = timezone.localdate().year - 1
    submission_start, submission_end = _local(year, 8, 10, 9), _local(year, 8, 28, 17)
    voting_start, voting_end = _local(year, 8, 17, 9), _local(year, 9, 6, 17)
    published = _local(year, 9, 14, 10)
    challenge = Challenge.objects.create(
        title=FUKUI_TITLE,
        theme=FUKUI_THEME,
        submission_start=submission_start,
        submission_end=submission_end,
        voting_start=voting_start,
        voting_end=voting_end,
        vote_kind=Challenge.VoteKind.LIKE,
        premoderation=True,
        created_by=coe,
        voting_open_notified_at=voting_start,
        voting_closing_notified_at=voting_end - timedelta(days=2),
    )
    categories = _categories(challenge)
    used: set[int] = set()
    votes, events = [], []
    # Not everybody took part: 50 of the 60 demo users voted, so participation rates say something.
    voter_pool = rng.sample(users, 50)
    with _explicit_created_at(Vote, IdeaEvent, Comment):
        for index, (title, summary, body, category, code, count, tags) in enumerate(FUKUI_IDEAS):
            author = _author_for(code, users, used)
            submitted = submission_start + timedelta(hours=rng.randint(2, 17 * 24))
            idea = Idea.objects.create(
                challenge=challenge,
                title=title,
                summary=summary,
                body=body,
                category=categories[category],
                department=author.department,
                tags=tags,
                author=author,
                status=Idea.Status.APPROVED,
                submitted_at=submitted,
                vote_count=count,
            )
            approved = submitted + timedelta(hours=rng.randint(2, 30))
            events += [
                IdeaEvent(idea=idea, actor=author, action="submitted", created_at=submitted),
                IdeaEvent(idea=idea, actor=coe, action="approved", created_at=approved),
            ]
            window_start = max(voting_start, approved)
            span = int((voting_end - window_start).total_seconds())
            for voter in rng.sample([u for u in voter_pool if u.pk != author.pk], count):
                votes.append(
                    Vote(
                        idea=idea,
                        challenge=challenge,
                        voter=voter,
                        voter_department_id=voter.department_id,
                        created_at=window_start + timedelta(seconds=rng.randint(0, span - 1)),
                    )
                )
            if index in ANSWERS:
                name, text = ANSWERS[index]
                Idea.objects.filter(pk=idea.pk).update(
                    answer_status=statuses[name], answer_text=text, answered_at=published + timedelta(days=20)
                )
                events.append(
                    IdeaEvent(
                        idea=idea, actor=coe, action="answered", note=name, created_at=published + timedelta(days=20)
                    )
                )
            if index < 3:
                commenter = next(u for u in users if u.pk not in (author.pk, coe.pk))
                Comment.objects.create(
                    idea=idea,
                    author=commenter,
                    body="とても良いアイデアだと思います。うちの課でも同じ課題があります。",
                    created_at=approved + timedelta(days=2),
                )
        Vote.objects.bulk_create(votes)
        IdeaEvent.objects.bulk_create(events)
    challenge_seal(challenge_id=challenge.pk, now=voting_end + timedelta(minutes=5))
    Challenge.objects.filter(pk=challenge.pk).update(results_published_at=published)
    return len(votes)


def _seed_open(users: list[User], coe: User, rng: random.Random, now: datetime) -> None:
    challenge = Challenge.objects.create(
        title=OPEN_TITLE,
        theme=OPEN_THEME,
        submission_start=now - timedelta(days=7),
        submission_end=now + timedelta(days=21),
        voting_start=now + timedelta(days=14),
        voting_end=now + timedelta(days=35),
        premoderation=True,
        created_by=coe,
    )
    categories = _categories(challenge)
    used: set[int] = set()
    for i, (title, summary, code) in enumerate(OPEN_IDEAS):
        author = _author_for(code, users, used)
        Idea.objects.create(
            challenge=challenge,
            title=title,
            summary=summary,
            category=categories[i % 3],
            department=author.department,
            author=author,
            status=Idea.Status.APPROVED,
            submitted_at=now - timedelta(days=6 - i),
        )
    waiting_author = _author_for("310", users, used)
    Idea.objects.create(
        challenge=challenge,
        title="窓口の申請書を電子申請に置き換え",
        summary="よく使う申請書 20 種類を電子申請にして、窓口での記入をなくす。",
        category=categories[1],
        department=waiting_author.department,
        author=waiting_author,
        status=Idea.Status.SUBMITTED,
        submitted_at=now - timedelta(hours=5),
    )
    draft_author = _author_for("520", users, used)
    Idea.objects.create(
        challenge=challenge,
        title="ごみ収集カレンダーの印刷をやめる",
        summary="",
        department=draft_author.department,
        author=draft_author,
        status=Idea.Status.DRAFT,
    )


def _seed_voting(users: list[User], coe: User, rng: random.Random, now: datetime) -> int:
    challenge = Challenge.objects.create(
        title=VOTING_TITLE,
        theme=VOTING_THEME,
        submission_start=now - timedelta(days=30),
        submission_end=now - timedelta(days=2),
        voting_start=now - timedelta(days=5),
        voting_end=now + timedelta(days=9),
        vote_kind=Challenge.VoteKind.BUDGET,
        vote_budget=3,
        hide_counts_while_voting=True,
        premoderation=True,
        created_by=coe,
    )
    categories = _categories(challenge)
    used: set[int] = set()
    ideas = []
    for i, (title, summary, code) in enumerate(VOTING_IDEAS):
        author = _author_for(code, users, used)
        ideas.append(
            Idea.objects.create(
                challenge=challenge,
                title=title,
                summary=summary,
                category=categories[i % len(categories)],
                department=author.department,
                author=author,
                status=Idea.Status.APPROVED,
                submitted_at=now - timedelta(days=25 - i),
            )
        )
    votes = []
    # About half of the staff have used some of their three votes so far.
    for voter in rng.sample(users, len(users) // 2):
        choices = [idea for idea in ideas if idea.author_id != voter.pk]
        for idea in rng.sample(choices, rng.randint(1, 3)):
            votes.append(Vote(idea=idea, challenge=challenge, voter=voter, voter_department_id=voter.department_id))
    Vote.objects.bulk_create(votes)
    for idea in ideas:
        Idea.objects.filter(pk=idea.pk).update(vote_count=sum(1 for v in votes if v.idea_id == idea.pk))
    return len(votes)


def seed(stdout) -> None:
    statuses = _statuses()
    users = list(User.objects.filter(is_active=True).select_related("department").order_by("pk"))
    coe = next((u for u in users if u.has_role(Role.COE)), None)
    if coe is None or len(users) < 50:
        stdout.write("ideas: skipped (needs the demo users of apps.accounts)")
        return
    rng = random.Random(20260810)
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    created = []
    if not Challenge.objects.filter(title=FUKUI_TITLE).exists():
        count = _seed_fukui(users, coe, statuses, rng)
        created.append(f"{FUKUI_TITLE} ({len(FUKUI_IDEAS)} ideas, {count} votes)")
    if not Challenge.objects.filter(title=OPEN_TITLE).exists():
        _seed_open(users, coe, rng, now)
        created.append(OPEN_TITLE)
    if not Challenge.objects.filter(title=VOTING_TITLE).exists():
        count = _seed_voting(users, coe, rng, now)
        created.append(f"{VOTING_TITLE} ({count} votes so far)")
    if created:
        for idea in Idea.objects.filter(status=Idea.Status.APPROVED).select_related(
            "challenge", "category", "department"
        ):
            search_index_update(obj=idea)
    stdout.write("ideas: " + ("; ".join(created) if created else "demo challenges already present"))
