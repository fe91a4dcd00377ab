# ruff: noqa: E501
"""Demo support requests: about 120 requests from the city's departments over the last 18
months, in every status, with replies (public and internal), ratings and a few missed
targets, so the queue, the request pages and the reports show something true.

Every request is played through the real services with explicit past timestamps (`now=`),
so histories, business-day dues and pauses are what the portal itself would have
recorded. Notifications are switched off while seeding: nobody is told about the past.
Idempotent: when the demo requests exist, nothing is done.
"""

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.business_days import JAPAN, is_office_day, next_office_day
from apps.core.exceptions import RuleError
from apps.support import lifecycle, services
from apps.support.models import (
    KIND_SKILLS,
    CannedReply,
    Deflection,
    Kind,
    MemberProfile,
    MemberSkill,
    Priority,
    Status,
    SupportRequest,
)

REQUEST_COUNT = 120
SPAN_DAYS = 548  # 18 months
RECENT_DAYS = 60
# The last requests (the open backlog), oldest first: every status, some past their targets.
RECENT = [
    Status.CLOSED, Status.RESOLVED, "slow:in_progress", Status.RESOLVED, "slow:in_progress", Status.WAITING,
    Status.RESOLVED, Status.IN_PROGRESS, Status.WAITING, Status.CANCELLED, Status.RESOLVED, Status.IN_PROGRESS,
    Status.WAITING, Status.IN_PROGRESS, Status.TRIAGED, Status.TRIAGED, Status.NEW, Status.TRIAGED, Status.NEW,
    Status.NEW,
]  # fmt: skip

# Declared skills of the eight demo COE members, in username order; the section chief leads.
SKILLS = [
    ["policy_planning", "facilitation"],
    ["ui_ux", "facilitation"],
    ["cloud_architecture", "low_code"],
    ["low_code", "data"],
    ["data", "policy_planning"],
    ["ui_ux"],
    ["low_code"],
    ["cloud_architecture", "data"],
]


@dataclass(frozen=True)
class Scenario:
    kind: str
    title: str
    description: str
    first_reply: str
    question: str
    answer: str
    progress: str
    internal: str
    summary: str


SCENARIOS = [
    Scenario(
        Kind.DESIGN_THINKING,
        "窓口の待ち時間を減らすワークショップを開きたい",
        "{dept}の窓口で、繁忙期に待ち時間が1時間を超えることがあります。職員だけで改善策を考えると「人を増やす」しか出てこないので、デザイン思考のワークショップを開いて、来庁者の視点から課題を整理したいです。参加予定は係長以下8名です。",
        "ご依頼ありがとうございます。担当します。まずは30分ほどオンラインで、ワークショップのゴールと参加者の顔ぶれを伺わせてください。",
        "ワークショップの前に、来庁者の待ち時間の記録（整理券の発券時刻と呼出時刻）があれば共有いただけますか。1週間分あれば十分です。",
        "先週分の整理券データをExcelでお送りします。個人情報は含まれていません。",
        "データを確認しました。午前10時台と昼休み明けに山があります。当日はこの2つの時間帯の来庁者の行動を追う「カスタマージャーニー」から始めます。",
        "課長から「半日で結論を出したい」との要望あり。発散の時間を短くしすぎないよう、事前課題で住民インタビューを2件やってもらう。",
        "ワークショップ（半日）を実施しました。来庁者の行動を5つの場面に分け、「記入台で迷う」「呼出し後に書類不備が分かる」が主要因と整理しました。次の一手として、記入例の掲示と事前チェックリストの配布を2週間試行することになりました。資料一式はTeamsのファイルに置いています。",
    ),
    Scenario(
        Kind.DESIGN_THINKING,
        "新規事業のアイデア出しをファシリテートしてほしい",
        "来年度の新規事業として、{dept}で子育て世帯向けのオンライン相談を検討しています。関係課を集めたアイデア出しの場を設けたいのですが、進行役の経験者がいません。",
        "承知しました。関係課の顔ぶれと、当日までに決めておきたいことを教えてください。",
        "当日の参加課と人数が決まりましたら教えてください。会議室の規模とオンライン併用の要否を決めます。",
        "参加は4課・12名、全員対面の予定です。第3会議室を確保しました。",
        "進行表の案をお送りしました。前半は利用者像（ペルソナ）づくり、後半はアイデアの優先順位付けです。",
        "関係課のうち1課は消極的。冒頭で課長から趣旨説明をしてもらうよう依頼済み。",
        "アイデア出しを実施し、32件のアイデアから「夜間のチャット相談」「保育所入所の事前シミュレーション」の2件を優先案として選びました。優先案ごとの次の検討事項を議事メモにまとめてお渡ししています。",
    ),
    Scenario(
        Kind.UX_DESIGN,
        "電子申請フォームの入力項目を見直したい",
        "{dept}の電子申請フォームで、途中で離脱する人が多いです（完了率が約4割）。入力項目が多すぎるのではないかと思うので、UXの観点で見直しの助言をいただけますか。",
        "ご依頼ありがとうございます。フォームのURLと、分かれば離脱の多い画面を教えてください。",
        "フォームの各項目が「なぜ必要か」の根拠（条例・要綱など）が分かる資料はありますか。削れる項目を判断するのに使います。",
        "要綱と、項目ごとの根拠を整理した表をお送りします。根拠が曖昧な項目が3つありました。",
        "画面を確認しました。必須項目が23あり、うち6項目は添付書類から読み取れる内容です。削減案を作成中です。",
        "法務確認が必要な項目（同意欄）が1つある。法規担当への確認は原課にお願いする方針。",
        "入力項目を23から14に減らす案と、エラーメッセージを具体的にする修正案をお渡ししました。デジタル庁デザインシステムの入力例に合わせています。改修後1か月の完了率を一緒に確認しましょう。",
    ),
    Scenario(
        Kind.UX_DESIGN,
        "市民向けお知らせページの分かりやすさを確認してほしい",
        "{dept}で、制度改正のお知らせページを公開予定です。専門用語が多く、住民に伝わるか不安です。公開前にレビューをお願いできますか。",
        "承知しました。原稿（Word可）をお送りください。やさしい日本語の観点も含めて確認します。",
        "対象者が「誰に」「いつまでに」「何をすればよいか」を一文で言うと、どうなりますか。冒頭に置く要約文を一緒に作りたいです。",
        "「今年4月以降に転入した65歳以上の方は、6月30日までに届出をしてください」です。",
        "要約文を冒頭に置き、見出しを質問形式に変えた修正案を作成しました。",
        "PDFのみの掲載は避けるよう強めに伝える。アクセシビリティ上の問題が大きい。",
        "レビュー結果をお渡ししました。主な修正は、冒頭の要約文、見出しの質問形式化、表の読み上げ順の修正、PDFのHTML化の4点です。公開後に問い合わせ件数の変化を教えてください。",
    ),
    Scenario(
        Kind.TECHNICAL,
        "Power Apps で作ったアプリが遅い",
        "{dept}で作った備品管理のPower Appsアプリが、一覧の表示に10秒以上かかります。データはSharePointリスト（約6,000件）です。改善方法を教えてください。",
        "ご依頼ありがとうございます。アプリの編集権限を共有いただければ、一覧画面の数式を確認します。",
        "リストの列に「検索（参照）」列や複数選択の列はありますか。また、一覧で使っている並べ替え・絞り込みの条件を教えてください。",
        "参照列が2つあります。絞り込みは「部署」と「貸出中」の2条件です。",
        "委任できない関数（Search と 参照列の組合せ）が原因でした。インデックス列の追加と、数式の書き換えを試しています。",
        "SharePointリストの5,000件しきい値に近い。将来はDataverseへの移行も検討候補として原課に伝える。",
        "一覧表示が約1.5秒になりました。対応は、絞り込み列へのインデックス追加、Filter関数への書き換え、参照列の表示を詳細画面に移動、の3点です。手順をナレッジ記事にまとめる予定です。",
    ),
    Scenario(
        Kind.TECHNICAL,
        "庁内データを Teams に自動で通知したい",
        "{dept}では、毎朝システムから出力されるCSVを確認して、担当者に電話で連絡しています。Teamsに自動で通知できないでしょうか。",
        "可能だと思います。CSVの出力先（共有フォルダ等）と、通知したい条件を教えてください。",
        "CSVに個人情報は含まれますか。含まれる場合、通知の本文には件数だけを出す設計にしたいです。",
        "氏名と住所が含まれます。件数と「確認が必要です」の文言だけで大丈夫です。",
        "Power Automateのフローを作成し、テスト用チャネルで動作確認中です。",
        "共有フォルダはオンプレ。ゲートウェイ経由になるので情報政策課の承認が必要。申請書は原課名で出してもらう。",
        "毎朝8時にCSVを読み取り、確認が必要な件数をTeamsのチャネルに投稿するフローを本番稼働しました。電話連絡が1日あたり約20件減る見込みです。フローの所有者を2名にしてあります。",
    ),
    Scenario(
        Kind.TOOL_ADOPTION,
        "Teams のチーム運用ルールを作りたい",
        "{dept}でTeamsを使い始めましたが、チャネルが乱立して情報が探せなくなっています。チーム・チャネルの作り方のルールを一緒に考えてほしいです。",
        "承知しました。現在のチームとチャネルの一覧（スクリーンショットで結構です）をお送りください。",
        "チャネルの用途を「業務別」「プロジェクト別」のどちらで分けたいか、課内のご意向はありますか。",
        "係ごとの業務別で分けたいです。プロジェクトは期間限定のチャネルにしたいと考えています。",
        "運用ルールの案を作成しました。チャネル名の付け方、ファイルの置き場所、アーカイブの手順を含みます。",
        "同じ相談が他課からも来ている。全庁共通のガイドとしてナレッジ化する価値あり。",
        "運用ルール（A4 2枚）を作成し、課内説明会（30分）で説明しました。チャネルは18から9に整理されました。ルールはナレッジに「Teams チャネルの作り方」として掲載予定です。",
    ),
    Scenario(
        Kind.TOOL_ADOPTION,
        "Forms でアンケートを作って集計を自動化したい",
        "{dept}で毎年実施している講座参加者アンケートを、紙からMicrosoft Formsに切り替えたいです。集計をExcelで自動化するところまで支援いただけますか。",
        "ご依頼ありがとうございます。現在の紙のアンケート用紙をお送りください。",
        "回答者は庁外の住民の方ですか。匿名で回答を受け付ける設定にするか確認させてください。",
        "住民の方です。匿名で構いません。",
        "Formsの作成が終わりました。Excelへの自動集計の部分を作成中です。",
        "自由記述に個人情報を書く人がいる想定で、注意書きを入れるよう助言済み。",
        "Formsのアンケートと、回答がExcel（SharePoint上）に自動で蓄積される仕組みを作りました。グラフは自動更新されます。紙の入力作業（年間約40時間）が不要になります。",
    ),
    Scenario(
        Kind.TOOL_ADOPTION,
        "RPA で定型入力を自動化できるか相談したい",
        "{dept}で、毎月2日間かけて申請データを基幹システムに手入力しています。RPAで自動化できるか見てもらえますか。",
        "承知しました。作業の手順書か、作業の様子を録画したものがあれば共有してください。",
        "入力元のデータは毎回同じ形式（Excel）ですか。例外的な処理（差戻し等）の頻度も教えてください。",
        "同じ形式のExcelです。差戻しは月に5件程度です。",
        "手順を確認しました。RPAで自動化できる範囲と、人が確認すべき範囲を整理しています。",
        "基幹システムの画面変更が来年予定されている。RPAのメンテ負担を原課に正直に伝えること。",
        "例外処理を除く約9割をRPAで自動化するシナリオを作成し、試行を始めました。月2日の作業が半日程度になる見込みです。画面変更時の修正手順も文書化しています。",
    ),
    Scenario(
        Kind.PLANNING,
        "DX推進計画の課の取組を整理したい",
        "{dept}として、全庁のDX推進計画に載せる取組を整理する必要があります。何から手を付ければよいか分からないので、整理の仕方を教えてください。",
        "ご依頼ありがとうございます。計画のひな形と、課の主要業務の一覧を見ながら一緒に整理しましょう。",
        "課の業務で、件数が多いもの・時間がかかっているものを3つ挙げていただけますか。",
        "窓口の証明書発行、補助金の審査、問い合わせ対応の3つです。",
        "3業務について、現状・課題・取組案・指標の表を作成しました。ご確認ください。",
        "指標を件数だけにしないよう注意。住民側の所要時間を入れたい。",
        "取組を3件に絞り、それぞれ現状・課題・取組・指標（住民の所要時間を含む）を整理した表を作成しました。計画の提出様式に転記済みです。",
    ),
    Scenario(
        Kind.PLANNING,
        "システム更新の調達仕様書を見てほしい",
        "{dept}で来年度のシステム更新に向けて、調達仕様書の案を作りました。クラウド利用やアクセシビリティの観点で抜けがないか確認をお願いします。",
        "承知しました。仕様書案をお送りください。1週間ほどお時間をください。",
        "現行システムのデータを移行する範囲と、移行の責任分担について、現時点の想定を教えてください。",
        "全データを移行、移行作業は受注者の責任とする想定です。",
        "確認結果をまとめています。データの持ち出し（退出時）の条項が抜けていました。",
        "情報政策課のクラウド利用基準の改定が近い。最新版で確認するよう念押し。",
        "仕様書案に14件のコメントを付けてお返ししました。主なものは、契約終了時のデータ返却、JIS X 8341-3への適合、ログの保管期間、障害時の連絡体制です。",
    ),
    Scenario(
        Kind.DATA_ANALYSIS,
        "問い合わせデータを分析して FAQ を作りたい",
        "{dept}の電話問い合わせの記録（1年分、約3,000件）があります。よくある質問を分析してFAQを作りたいので、分析の方法を教えてください。",
        "ご依頼ありがとうございます。記録の形式（項目）を教えてください。個人情報は除いた形で共有をお願いします。",
        "記録の「内容」欄は自由記述ですか、分類済みですか。分類の粒度を決めるために伺います。",
        "自由記述です。担当者によって書き方がばらばらです。",
        "テキストを整理し、20の分類に仮分けしました。上位5分類で全体の6割を占めています。",
        "自由記述に氏名が残っている行があった。原課にマスキングの手順を伝えた。",
        "問い合わせ3,124件を20分類に整理し、上位10分類についてFAQ案を作成しました。Power BIのレポートで月ごとの推移も見られるようにしています。FAQ公開後の件数の変化を一緒に確認しましょう。",
    ),
    Scenario(
        Kind.DATA_ANALYSIS,
        "Power BI で事業の実績を見える化したい",
        "{dept}の事業実績を毎月Excelで集計して報告していますが、手間がかかっています。Power BIでダッシュボードにできないでしょうか。",
        "可能です。現在の集計表と、報告先（誰が何を見たいか）を教えてください。",
        "元データはどこにありますか。システムからの出力か、手入力のExcelかで作り方が変わります。",
        "システムから毎月CSVを出力しています。",
        "ダッシュボードの試作版を作りました。ご意見をください。",
        "公開範囲に注意。庁内限定のワークスペースで共有すること。",
        "月次実績のダッシュボードを公開しました。CSVを所定のフォルダに置くと自動で更新されます。報告資料の作成時間が月8時間から1時間程度になる見込みです。",
    ),
    Scenario(
        Kind.OTHER,
        "生成 AI を業務で使ってよいか相談したい",
        "{dept}で、議事録の要約に生成AIを使いたいという声があります。使ってよいのか、使うならどんな注意が必要か教えてください。",
        "ご相談ありがとうございます。庁内のガイドラインに沿って整理してお答えします。",
        "要約したい議事録に、個人情報や非公開の情報は含まれますか。",
        "住民の氏名が出てくることがあります。",
        "ガイドラインの該当箇所と、利用できるツールの整理を作成中です。",
        "ガイドライン改定前なので、現行版の範囲で答えること。改定予定は伝えない。",
        "庁内で利用が認められているツールと、入力してはいけない情報（個人情報・非公開情報）を整理してお伝えしました。議事録は氏名を伏せてから要約する手順をお勧めしています。",
    ),
]

CANNED = [
    ("", "受付のご連絡", "ご依頼ありがとうございます。DX推進課（COE）で受け付けました。担当者から改めてご連絡します。"),
    (
        Kind.TOOL_ADOPTION,
        "Teams の基本はナレッジへ",
        "Teams の基本操作はナレッジの記事にまとめています。まずはこちらをご覧いただき、分からない点があればこのまま返信してください。",
    ),
    (
        Kind.TECHNICAL,
        "権限の共有のお願い",
        "状況を確認するため、対象のアプリ（またはフロー）の共同所有者に担当者を追加してください。確認が終わり次第、権限は外していただいて構いません。",
    ),
    (
        Kind.DESIGN_THINKING,
        "ワークショップ前の確認事項",
        "ワークショップの準備のため、(1) ゴール (2) 参加者の人数と顔ぶれ (3) 希望日 を教えてください。",
    ),
    (
        Kind.DATA_ANALYSIS,
        "データの共有について",
        "分析用のデータは、個人情報を除いた形で共有をお願いします。除き方が分からない場合は、このまま返信してください。",
    ),
    (
        Kind.UX_DESIGN,
        "レビューの進め方",
        "原稿（Word可）をお送りください。やさしい日本語とアクセシビリティの観点で確認し、1週間以内にお返しします。",
    ),
]

PRIORITIES = [Priority.NORMAL] * 12 + [Priority.HIGH] * 4 + [Priority.LOW] * 3 + [Priority.URGENT] * 1
QUICK_TITLES = {s.title for s in SCENARIOS}


@contextmanager
def _quiet():
    """Seeding replays history: nobody is notified of it."""
    saved = services.notification_send
    services.notification_send = lambda **kwargs: []
    try:
        yield
    finally:
        services.notification_send = saved


def _at_office(after: datetime, days: int, rng: random.Random) -> datetime:
    """A moment during office hours on the Nth office day after `after` (0: the same day if possible)."""
    day = timezone.localtime(after, JAPAN).date()
    for _ in range(days):
        day = next_office_day(day)
    if not is_office_day(day):
        day = next_office_day(day)
    moment = datetime.combine(day, time(9), tzinfo=JAPAN) + timedelta(minutes=rng.randint(0, 8 * 60 + 30))
    if moment <= after:
        moment = after + timedelta(minutes=rng.randint(20, 150))
    return moment


def _created_at(i: int, start: datetime, now: datetime, rng: random.Random) -> datetime:
    """The first requests spread over the older months, the last len(RECENT) over the recent weeks."""
    older = REQUEST_COUNT - len(RECENT)
    if i < older:
        moment = start + timedelta(days=(SPAN_DAYS - RECENT_DAYS) * i / older)
    else:
        moment = now - timedelta(days=RECENT_DAYS * (1 - (i - older) / len(RECENT)) ** 2)
    created = _at_office(moment, 0, rng)
    return created if created < now - timedelta(hours=2) else now - timedelta(hours=rng.randint(3, 20))


def _final_status(i: int, rng: random.Random) -> tuple[str, bool]:
    """(status to play up to, slow) for the i-th request."""
    older = REQUEST_COUNT - len(RECENT)
    if i >= older:
        planned = RECENT[i - older]
        return planned.removeprefix("slow:"), planned.startswith("slow:")
    return (Status.CANCELLED if rng.random() < 0.07 else Status.CLOSED), rng.random() < 0.12


class _Play:
    """One request played through the services; stops when the next step would be in the future."""

    def __init__(self, request: SupportRequest, now: datetime):
        self.request, self.now = request, now

    def version(self) -> int:
        return SupportRequest.objects.values_list("version", flat=True).get(pk=self.request.pk)

    def ok(self, moment: datetime) -> bool:
        return moment < self.now - timedelta(minutes=30)

    def move(self, actor, to_status: str, moment: datetime, comment: str = "") -> bool:
        if not self.ok(moment):
            return False
        services.support_request_transition(
            request_id=self.request.pk, actor=actor, to_status=to_status, comment=comment,
            expected_version=self.version(), now=moment,
        )  # fmt: skip
        return True

    def say(self, author, body: str, moment: datetime, internal: bool = False) -> bool:
        if not self.ok(moment):
            return False
        services.support_reply_add(request_id=self.request.pk, author=author, body=body, internal=internal, now=moment)
        return True


def _play(play: _Play, s: Scenario, final: str, *, requester, assignee, coe, rng, slow: bool) -> None:
    t0 = play.request.created_at
    if final == Status.CANCELLED:
        play.move(requester, Status.CANCELLED, _at_office(t0, rng.randint(0, 2), rng), "")
        return
    if final == Status.NEW:
        return
    t = _at_office(t0, rng.choice([0, 0, 1]), rng)
    if not play.ok(t):
        return
    priority = rng.choice(PRIORITIES)
    services.support_request_triage(
        request_id=play.request.pk, actor=coe, assignee=assignee, priority=priority,
        expected_version=play.version(), now=t,
    )  # fmt: skip
    if final == Status.TRIAGED:
        return
    quick = priority >= Priority.HIGH  # urgent work is picked up and finished faster
    # First response: usually within a day or two; the slow ones miss their targets.
    t = _at_office(t, rng.randint(4, 7) if slow else 0 if quick else rng.choice([0, 0, 1, 1, 2]), rng)
    if not play.say(assignee, s.first_reply, t) or not play.move(
        assignee, Status.IN_PROGRESS, t + timedelta(minutes=5)
    ):
        return
    t += timedelta(minutes=5)
    waits = final == Status.WAITING or rng.random() < 0.5
    if waits:
        t = _at_office(t, rng.randint(0, 2), rng)
        if not play.move(assignee, Status.WAITING, t, s.question) or final == Status.WAITING:
            return
        t = _at_office(t, rng.randint(1, 5), rng)
        if not play.say(requester, s.answer, t):  # the requester's answer resumes work
            return
    if rng.random() < 0.45:
        t = _at_office(t, rng.randint(0, 1), rng)
        if not play.say(rng.choice([assignee, coe]), s.internal, t, internal=True):
            return
    t = _at_office(t, rng.randint(0, 1) if quick else rng.randint(1, 2), rng)
    if not play.say(assignee, s.progress, t) or final == Status.IN_PROGRESS:
        return
    t = _at_office(t, rng.randint(6, 14) if slow else rng.randint(0, 1) if quick else rng.randint(1, 4), rng)
    if not play.move(assignee, Status.RESOLVED, t, s.summary):
        return
    if final != Status.CLOSED and rng.random() < 0.1:
        return  # resolved recently, not yet rated
    if rng.random() < 0.06:  # not solved after all: reopened, then solved again
        t = _at_office(t, rng.randint(1, 3), rng)
        if not play.move(
            requester,
            Status.IN_PROGRESS,
            t,
            "手順どおりに進めたところ、途中でエラーが出ました。もう一度見ていただけますか。",
        ):
            return
        t = _at_office(t, rng.randint(1, 3), rng)
        if not play.move(
            assignee, Status.RESOLVED, t, s.summary + "\n\n再発時の対処：設定を見直し、手順書に追記しました。"
        ):
            return
    resolved_at = t
    if rng.random() < 0.78:
        rating = rng.choices([5, 4, 3, 2, 1], weights=[45, 35, 12, 5, 3])[0]
        comment = rng.choice(
            [
                "",
                "丁寧に対応いただき助かりました。",
                "期限内に対応してもらえました。",
                "もう少し早く回答がほしかったです。",
                "次も相談したいです。",
            ]
        )
        moment = _at_office(t, rng.randint(0, 3), rng)
        if play.ok(moment):
            services.support_request_rate(
                request_id=play.request.pk, actor=requester, rating=rating, comment=comment, now=moment
            )
            t = moment
    if final == Status.CLOSED:
        if rng.random() < 0.4:
            play.move(requester, Status.CLOSED, _at_office(t, rng.randint(1, 5), rng))
        else:  # the scheduler closes it once the reopen window has passed
            play.move(None, Status.CLOSED, max(t, resolved_at + lifecycle.reopen_window() + timedelta(hours=1)))


def _seed_members(coe_members: list[User]) -> None:
    for member, skills in zip(coe_members, SKILLS, strict=False):
        MemberSkill.objects.bulk_create([MemberSkill(user=member, skill=s) for s in skills], ignore_conflicts=True)
        MemberProfile.objects.update_or_create(user=member, defaults={"is_lead": member.job_title == "DX推進課長"})


def _seed_canned(author: User) -> None:
    for kind, title, body in CANNED:
        CannedReply.objects.get_or_create(title=title, defaults={"kind": kind, "body": body, "updated_by": author})


def _seed_deflections(staff: list[User], rng: random.Random, now: datetime) -> int:
    from apps.cases.selectors import case_list_visible_to
    from apps.knowledge.selectors import article_visible_to

    if Deflection.objects.exists() or not staff:
        return 0
    user = staff[0]
    targets = [
        ("article", pk) for pk in article_visible_to(user).filter(status="published").values_list("pk", flat=True)[:12]
    ]
    targets += [
        ("case", pk)
        for pk in case_list_visible_to(user).filter(visibility="published").values_list("pk", flat=True)[:6]
    ]
    count = 0
    for _ in range(min(30, len(targets) * 3)):
        person = rng.choice(staff)
        target_type, object_id = rng.choice(targets)
        s = rng.choice(SCENARIOS)
        try:
            deflection = services.deflection_record(
                user=person, target_type=target_type, object_id=object_id, query=s.title, kind=s.kind
            )
        except RuleError:
            continue
        Deflection.objects.filter(pk=deflection.pk).update(created_at=now - timedelta(days=rng.randint(1, SPAN_DAYS)))
        count += 1
    return count


def seed(stdout) -> None:
    users = list(User.objects.filter(is_active=True).select_related("department").order_by("username"))
    coe_members = [u for u in users if u.has_role(Role.COE)]
    requesters = [u for u in users if u.department_id and not u.has_role(Role.COE) and not u.has_role(Role.ADMIN)]
    if len(coe_members) < 2 or len(requesters) < 10:
        stdout.write("support: skipped (needs the demo users of apps.accounts)")
        return
    _seed_members(coe_members)
    lead = next((u for u in coe_members if u.job_title == "DX推進課長"), coe_members[0])
    _seed_canned(lead)
    if SupportRequest.objects.filter(title__in=QUICK_TITLES, requester__in=requesters).exists():
        stdout.write("support: demo requests already present")
        return
    rng = random.Random(20260901)
    now = timezone.now()
    start = now - timedelta(days=SPAN_DAYS)
    staff = [u for u in requesters if not u.has_role(Role.MANAGER)]
    counts: dict[str, int] = {}
    skills = {m.pk: set(sk) for m, sk in zip(coe_members, SKILLS, strict=False)}
    with _quiet():
        for i in range(REQUEST_COUNT):
            created = _created_at(i, start, now, rng)
            scenario = SCENARIOS[i % len(SCENARIOS)]
            requester = rng.choice(staff if rng.random() < 0.9 else requesters)
            final, slow = _final_status(i, rng)
            request = services.support_request_create(
                requester=requester,
                kind=scenario.kind,
                title=scenario.title,
                description=scenario.description.format(dept=requester.department.name_ja),
                people_involved=rng.choice(["", "係長と担当2名", "課長、係長、担当", "担当者1名", "課内8名"]),
                desired_date=(created + timedelta(days=rng.randint(10, 45))).date() if rng.random() < 0.5 else None,
                now=created,
            )
            fitting = [m for m in coe_members if skills.get(m.pk, set()) & set(KIND_SKILLS.get(scenario.kind, ()))]
            assignee = rng.choice(fitting or coe_members)
            play = _Play(request, now)
            _play(play, scenario, final, requester=requester, assignee=assignee, coe=lead, rng=rng, slow=slow)
            status = SupportRequest.objects.values_list("status", flat=True).get(pk=request.pk)
            counts[status] = counts.get(status, 0) + 1
    deflections = _seed_deflections(staff, rng, now)
    summary = ", ".join(f"{Status(k).label}: {v}" for k, v in sorted(counts.items()))
    stdout.write(f"support: {REQUEST_COUNT} requests ({summary}), {deflections} answered before asking")
