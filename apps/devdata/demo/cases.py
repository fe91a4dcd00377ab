# ruff: noqa: E501 - Japanese demo prose: a sentence reads better unbroken than wrapped at 120 columns.
"""Demo cases: the seven from the proposal (seed/000_…txt) told in full, and a library of
other municipal DX cases across departments, fields, tools, stages and fiscal years 2023–2026.

Idempotent: each case has a stable key (slug); a case already there is left as it is.
People and departments come from apps/accounts/demo.py, which runs first.
"""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.cases.models import Case, Field, Tool
from apps.cases.reference import reference_data_ensure
from apps.cases.services import case_attachment_add, case_create

# How the hours of the shorter cases were worked out, by method.
METHOD_NOTES = {
    "measured": "導入前後の作業時間の記録を比較して算出。",
    "estimated": "対象件数と1件あたりの所要時間の見込みから推計。",
    "": "",
}

# --- the proposal's cases -------------------------------------------------------------

SODAI_GOMI_APPROACH = """\
市ウェブサイトとLINE公式アカウントに「粗大ごみ受付チャットボット」を設置しました。電話受付と同じ手順を会話で案内し、\
最後は**会話の内容を自動入力した申込フォーム**をSMSで届けます。住民が入力するのは番地と名前だけです。

### 会話の流れ

1. **市**：「市 粗大ごみ受付センターです。どのようなご用件でしょうか？」――［新規申し込み］［変更］［キャンセル］から選ぶ（選択ボット）
2. **住民**：「新規申し込み」を選ぶ
3. **市**：「どのようなものの収集を希望されますか？」
4. **住民**：「エアコン」と入力
5. **市**（FAQボット）：「市ではエアコンは収集していません。」――家電リサイクル法による出し方を説明したページのURLを案内して、品目の質問に戻る
6. **市**：「写真を撮影してください。」
7. **住民**：出したい品物をスマートフォンで撮影して送る → **画像認識API**が品目を判定
8. **市**（DB連携ボット）：「食器棚ですね。サイズは高さ又は幅90cm超でよろしいでしょうか？」――品目・手数料のデータベースと照合し、「食器棚（サイズ大）」に確定
9. **市**：「手数料は、1200円になります。申込を続けますか？」
10. **住民**：「はい」
11. **市**：「郵便番号を入力してください。ハイフンなしの7ケタで入力。」
12. **住民**：「1234567」 → **外部API連携**（郵便番号検索）で町名まで住所を補完
13. **市**：「〇〇区〇〇〇 2丁目ですね。」
14. **市**：「携帯電話番号を入力してください。」
15. **住民**：「090-9999-9999」
16. **市**：「ショートメッセージにURLをお送りしました。」
17. **SMS**：「〇〇市粗大ごみ受付センターです。下記のURLからお申込みください。 https://案件ごとのURL/」――URLは申込ごとに発行し、24時間で失効
18. **申込フォーム**：会話の内容が自動入力された状態で開く

| 項目 | 内容 |
|---|---|
| 住所 | 〇〇区〇〇〇 2丁目（自動入力） |
| 住所 2 | 入力してください（番地・建物名） |
| 電話 | 090-9999-9999（自動入力） |
| 品目 | 食器棚（自動入力） |
| 料金 | 1200円（自動入力） |
| 名前 | 入力してください |

### 仕組み

- **選択ボット・FAQボット・DB連携ボット**をひとつの会話につなぎ、どの段階からでも「オペレーターと話す」で電話受付に切り替えられる。
- **画像認識API**は品目候補を上位3件まで示し、確信度が低いときは品目一覧から選んでもらう。判定結果は必ず住民に確認する。
- **郵便番号→住所**は外部APIで町名まで補完し、番地以降は本人が入力する（誤った住所での収集を防ぐため）。
- 申込データは収集管理システムに連携し、収集日と粗大ごみ処理券の購入方法を返信する。
"""

PROPOSAL_CASES = [
    {
        "slug": "sodai-gomi-chatbot",
        "title": "粗大ごみ受付チャットボット（画像認識・郵便番号検索・SMS連携）",
        "department": "530",
        "field": "administrative-services",
        "tools": ["chatbot", "image-recognition", "external-api", "sms", "online-application", "low-code"],
        "stage": "live",
        "started_on": date(2024, 6, 3),
        "summary": (
            "電話でしか受け付けていなかった粗大ごみの申込を、写真で品目がわかるチャットボットに置き換えました。"
            "郵便番号から住所を補い、会話内容を入力済みの申込フォームをSMSで送るので、24時間いつでも数分で申し込めます。"
        ),
        "problem": (
            "粗大ごみ受付センターの電話は、引っ越しの多い3〜4月と年末に**つながりにくく**、"
            "「何度かけても話し中」という苦情が毎年寄せられていました。\n\n"
            "- 品目と大きさの聞き取りに時間がかかる（「食器棚」でも大きさで手数料が変わる）\n"
            "- 住所の聞き間違い・書き間違いで収集できないことがある\n"
            "- 受付時間（平日9時〜17時）に電話できない働く世代が申し込みにくい"
        ),
        "baseline": (
            "年間約4万件の申込のうち約9割が電話。1件あたり平均6分、繁忙期の応答率は約55％。"
            "オペレーター8人（委託）で対応していた。"
        ),
        "approach": SODAI_GOMI_APPROACH,
        "hours_saved_per_year": Decimal("1850"),
        "hours_method": "estimated",
        "hours_method_note": (
            "チャットボット経由の申込件数（月次の実績）× 電話1件あたりの平均応対時間6分から、"
            "オペレーターへ切り替えた件数分を差し引いて推計。"
        ),
        "measured_from": date(2024, 10, 1),
        "measured_until": date(2025, 3, 31),
        "initial_cost_yen": 6_800_000,
        "annual_cost_yen": 2_400_000,
        "residents_affected": 24_000,
        "outcome_before": "電話のみ。平日9〜17時。繁忙期の応答率 約55％。1件 平均6分。",
        "outcome_after": "申込の約6割がチャットボット経由、うち約4割が受付時間外。電話の応答率は繁忙期でも9割超。",
        "outcomes": (
            "- 住所の誤りによる収集不能が前年度比で約7割減少\n"
            "- 「エアコン」「テレビ」など収集対象外の問い合わせはFAQボットで完結\n"
            "- 住民アンケートで「わかりやすい」「早い」が84％"
        ),
        "lessons": (
            "画像認識は万能ではありません。**判定結果を必ず住民に確認する**会話にしたことで、誤認識による苦情はほぼゼロでした。\n\n"
            "また、番地まで自動で埋めようとせず町名までにとどめたことが、誤収集の防止に効きました。"
        ),
        "success_conditions": (
            "- 品目と手数料のデータベースが整っていること（DB連携ボットの土台）\n"
            "- 電話受付をなくさず、いつでもオペレーターに切り替えられること\n"
            "- SMSのURLは申込ごとに発行し、期限を短くすること"
        ),
        "reused_by": ["520", "310"],
        "review_by": date(2027, 3, 31),
        "links": [],
    },
    {
        "slug": "rpa-tax-clerical",
        "title": "RPAとAI-OCRによる住民税の定型入力作業の自動化",
        "department": "330",
        "field": "internal-operations",
        "tools": ["rpa", "ai-ocr"],
        "stage": "scaled",
        "started_on": date(2022, 7, 1),
        "summary": (
            "紙で届く給与支払報告書などをAI-OCRで読み取り、RPAが課税システムへ入力します。"
            "繁忙期の残業が大きく減り、同じ仕組みを介護保険課や市民課にも広げました。"
        ),
        "problem": (
            "1月から3月の住民税の課税準備期に、紙の給与支払報告書や申告書を**職員が一件ずつ手入力**しており、"
            "毎年この時期に時間外勤務が集中していました。入力ミスの確認にも時間がかかっていました。"
        ),
        "baseline": "紙の報告書 約6万枚を手入力。繁忙期の課内の時間外勤務は月平均45時間/人。",
        "approach": (
            "1. 様式ごとにAI-OCRの読み取り定義を作り、読み取り結果を職員が画面で確認・修正する\n"
            "2. 確認済みのCSVをRPAが課税システムに入力し、エラーになった行だけを一覧にする\n"
            "3. RPAのシナリオは情報政策課と一緒に作り、**業務担当者が自分で直せる**粒度に分けた\n\n"
            "2025年度の「Microsoftいいね！チャレンジ」でもRPAによる業務効率化の事例に多くの票が集まり、"
            "介護保険課や子育て支援課への横展開が進みました。"
        ),
        "hours_saved_per_year": Decimal("2400"),
        "hours_method": "measured",
        "hours_method_note": (
            "導入前年と導入年の同じ4週間、担当者が作業時間を15分単位で記録し、1枚あたりの処理時間の差に年間枚数を掛けた。"
        ),
        "measured_from": date(2023, 1, 10),
        "measured_until": date(2023, 2, 6),
        "initial_cost_yen": 3_200_000,
        "annual_cost_yen": 1_800_000,
        "residents_affected": None,
        "outcome_before": "1枚あたり 約3分（入力と読み合わせ）。",
        "outcome_after": "1枚あたり 約0.6分（OCR結果の確認のみ）。入力ミスによる更正が減少。",
        "outcomes": "繁忙期の時間外勤務が課内平均で月45時間から26時間に減りました。",
        "lessons": (
            "最初から全様式を対象にせず、**枚数の多い3様式**から始めたことで、3か月で効果を示せました。"
            "RPAは止まるものと考え、止まったときの手順書を先に作っておくことが大切です。"
        ),
        "success_conditions": "- 様式が定まっていて枚数が多い業務\n- シナリオを直せる職員が課内に2人以上いること",
        "reused_by": ["420", "310", "440"],
        "review_by": date(2026, 12, 31),
        "links": [],
    },
    {
        "slug": "intersection-traffic-analysis",
        "title": "交差点カメラ映像の画像認識による車種別・時間帯別の交通量分析（Vision Zero）",
        "department": "640",
        "field": "transport",
        "tools": ["image-recognition", "data-platform", "bi", "iot-sensors"],
        "stage": "pilot",
        "started_on": date(2024, 9, 2),
        "summary": (
            "既設の交差点カメラの映像をAIで解析し、車種・進入と退出の方向ごとの交通量を時間別・曜日別に集計します。"
            "米国ベルビュー市の Vision Zero（交通事故ゼロ）の取り組みを参考に、ヒヤリハットの多い交差点の対策に使います。"
        ),
        "problem": (
            "交通量調査は年に数日、調査員が交差点に立って数える方法で、**曜日や時間帯による違い**や"
            "自転車・歩行者のヒヤリハットまではわかりませんでした。事故が起きてからの対策になりがちでした。"
        ),
        "baseline": "主要交差点12か所で年2回、各12時間の人手による計数調査（委託）。",
        "approach": (
            "マイクロソフトの研究開発とベルビュー市による Vision Zero の取り組み（既設カメラの映像解析で交通事故ゼロを目指す）を参考にしました。\n\n"
            "- 既設の交差点カメラ4か所の映像を、庁内のエッジ端末で解析（映像そのものは外部に出さない）\n"
            "- 乗用車・バス・トラック・二輪車・自転車・歩行者を判別し、**交差点への出入り（右左折・直進）**を時間別・曜日別に集計\n"
            "- 集計値だけをスマートシティ**データ連携基盤**に蓄積し、BIダッシュボードで道路管理課・警察と共有\n\n"
            "補助事業の期間・場所に限った実証ですが、将来のAIによる予測に備えて**データの蓄積はすぐに始める**ことを優先しました。"
            "データ連携基盤は、データ量に応じた課金でスケールできるPaaSを選んでいます。"
        ),
        "hours_saved_per_year": Decimal("620"),
        "hours_method": "estimated",
        "hours_method_note": "人手による計数調査（委託）の延べ時間と、調査結果の入力・集計にかかっていた職員の時間から推計。",
        "measured_from": None,
        "measured_until": None,
        "initial_cost_yen": 9_500_000,
        "annual_cost_yen": 1_200_000,
        "residents_affected": 85_000,
        "outcome_before": "年2回・12時間の計数。車種は3区分。曜日による違いは不明。",
        "outcome_after": "24時間365日・6区分の集計。右折車と横断歩行者が交錯しやすい時間帯を特定。",
        "outcomes": "通学時間帯に右折車と自転車の交錯が多い交差点で、信号の右折矢印の時間を見直す協議を警察と始めました。",
        "lessons": (
            "カメラの画角によって判別の精度が大きく変わります。**設置位置の調整に一番時間を使いました**。"
            "映像を保存しない・集計値だけを使う方針を最初に決めて公表したことで、住民からの懸念はほとんどありませんでした。"
        ),
        "success_conditions": "- 既設カメラが使えること\n- 警察・道路管理者と集計結果を共有する場があること",
        "reused_by": ["620"],
        "review_by": date(2026, 9, 30),
        "links": [
            (
                "Microsoft Research: Video Analytics for Vision Zero",
                "https://www.microsoft.com/en-us/research/project/video-analytics-towards-vision-zero/",
            ),
        ],
    },
    {
        "slug": "park-camera-people-flow",
        "title": "公園監視カメラの画像認識による人流分析（プライバシー保護つき技術実験）",
        "department": "630",
        "field": "public-safety",
        "tools": ["image-recognition", "iot-sensors", "data-platform"],
        "stage": "poc",
        "started_on": date(2025, 7, 1),
        "summary": (
            "大型公園の監視カメラ映像をその場で解析し、大人・子ども・動物を判別して混雑や立入禁止区域への侵入を知らせる技術実験です。"
            "映像は保存せず人数と動きだけを扱い、プライバシーに配慮しました。"
        ),
        "problem": (
            "休日の混雑時に遊具の周りで子どもの事故が心配されていたほか、夜間の池への立ち入りや、"
            "どこが混むのかがわからず巡回が後手に回っていました。"
        ),
        "baseline": "巡回は1日3回、混雑や利用状況の記録はなし。",
        "approach": (
            "**リアルタイムモニタリング**で、施設管理者と市職員には次の情報を、公園を訪れる親子には混雑予想を届けます。\n\n"
            "| 使い方 | 内容 | 届け先 |\n"
            "|---|---|---|\n"
            "| 混雑予想 | 時間帯別の来園者数と予想 | 親子（市ウェブサイト） |\n"
            "| 立入警報 | 池・工事区域への侵入を検知して通知 | 施設管理者 |\n"
            "| 遊具利用 | 遊具ごとの利用人数 | 施設管理者・市職員 |\n"
            "| 動線分析 | 園内の移動経路の集計 | 市職員（公園の改修計画） |\n\n"
            "画像認識で**大人、子ども、動物など**を判別します。\n\n"
            "### プライバシーへの配慮\n\n"
            "- 解析はカメラ横のエッジ端末で行い、**映像は保存も送信もしない**。送るのは人数・区分・位置の座標だけ\n"
            "- 顔認識・個人の追跡は行わない。動線は30秒ごとに識別子を入れ替えて集計\n"
            "- 園内の入口に実験の目的・期間・問い合わせ先を掲示し、ウェブサイトで公表\n"
            "- 実施前に個人情報保護審議会で説明し、データの保存期間を1年と定めた"
        ),
        "hours_saved_per_year": Decimal("300"),
        "hours_method": "estimated",
        "hours_method_note": "巡回の回数を混雑時だけに絞った場合の削減時間の見込み。実験終了後に実測する予定。",
        "measured_from": None,
        "measured_until": None,
        "initial_cost_yen": 4_300_000,
        "annual_cost_yen": 600_000,
        "residents_affected": 310_000,
        "outcome_before": "巡回1日3回。混雑や遊具の利用状況は感覚頼み。",
        "outcome_after": "混雑の時間帯・場所が数値で把握できるようになり、遊具の更新計画の根拠に使える見込み。",
        "outcomes": "立入警報は実験期間中に12回作動し、うち夜間の池への立ち入り2件で管理者が現地対応しました。",
        "lessons": "技術より先に**プライバシーの方針と住民への説明**を固めることが、実験を始める条件でした。",
        "success_conditions": "- 電源とネットワークのあるカメラ位置\n- 個人情報保護の担当課・審議会との早めの相談",
        "reused_by": [],
        "review_by": date(2026, 6, 30),
        "links": [],
    },
    {
        "slug": "hololens-field-support",
        "title": "HoloLens 2 による橋梁点検の遠隔支援（MR）",
        "department": "620",
        "field": "urban-infrastructure",
        "tools": ["mixed-reality", "microsoft-365", "web-meeting"],
        "stage": "pilot",
        "started_on": date(2025, 5, 12),
        "summary": (
            "現場の職員がMRデバイス HoloLens 2 を着け、庁舎にいる熟練技術者が同じ視界を見ながら点検箇所を指示します。"
            "熟練者が毎回現場に行かなくても、若手が自信を持って点検できるようになりました。"
        ),
        "problem": (
            "橋梁の法定点検（5年に1回）の対象は約480橋。判断に経験が要る損傷が多く、**熟練職員が現場に同行**しなければならず、"
            "ベテランの退職が進むなかで点検の質と量の両立が難しくなっていました。"
        ),
        "baseline": "点検1回に熟練職員が同行（移動を含め平均3時間）。年間約140回。",
        "approach": (
            "現場で働く人を支えるためにMR（複合現実）の HoloLens 2 を業務に使う、トヨタ自動車などの製造現場の取り組みを参考にしました。\n\n"
            "1. 現場の職員が HoloLens 2 を装着し、両手を空けたまま点検する\n"
            "2. 庁舎の熟練職員が Teams で同じ視界を見ながら、損傷箇所に**ホログラムの矢印や印**を置いて指示する\n"
            "3. 点検写真と指示の記録は Microsoft 365 の点検台帳に自動で保存する"
        ),
        "hours_saved_per_year": Decimal("420"),
        "hours_method": "measured",
        "hours_method_note": "試行期間中の遠隔支援の回数と、同行していた場合の移動・現場滞在時間の記録から算出し、年間回数に換算。",
        "measured_from": date(2025, 6, 1),
        "measured_until": date(2025, 11, 30),
        "initial_cost_yen": 2_900_000,
        "annual_cost_yen": 450_000,
        "residents_affected": None,
        "outcome_before": "熟練職員が毎回同行。1人で回れる点検は月8回程度。",
        "outcome_after": "遠隔支援で同行は難しい案件だけに。熟練職員1人で同時に2班を支援。",
        "outcomes": "若手職員のアンケートで「判断に迷ったときにすぐ聞ける」安心感が最も評価されました。",
        "lessons": "山間部では通信が途切れるため、**オフラインで記録して後から同期する**運用を併用しています。",
        "success_conditions": "- 現場での通信環境（モバイルルーター）\n- 指示を出す側の熟練職員の時間を確保すること",
        "reused_by": ["530"],
        "review_by": date(2026, 5, 31),
        "links": [],
    },
    {
        "slug": "covid19-rapid-response",
        "title": "新型コロナウイルス感染症への迅速な対応：Teams とローコードによる情報共有・受付の仕組み",
        "department": "710",
        "field": "health",
        "tools": ["microsoft-365", "low-code", "chatbot", "web-meeting"],
        "stage": "scaled",
        "started_on": date(2020, 4, 6),
        "summary": (
            "感染拡大の初期に、対策本部の情報共有を Teams に移し、相談受付の記録をローコードアプリで2週間で作りました。"
            "住民向けにはよくある質問に答えるチャットボットを公開し、その後の災害対応にも使い回しています。"
        ),
        "problem": (
            "対策本部の資料はメールとファイルサーバーに散らばり、**最新版がどれか分からない**状態でした。"
            "相談の電話は紙に記録して集計しており、状況の把握が翌日になっていました。"
        ),
        "baseline": "相談記録は紙→Excel に転記。本部会議の資料はメール添付で1日平均40通。",
        "approach": (
            "- 対策本部と各部局のチームを Teams に作り、資料は共同編集で**最新版をひとつに**\n"
            "- 相談受付の記録アプリを Power Apps で2週間で作成。入力と同時に件数・内容の集計が更新される\n"
            "- 住民向けに、給付金・検査・ワクチン接種のよくある質問に答えるチャットボットを公開\n"
            "- 本部会議は Web会議 で開き、出先機関からも参加\n\n"
            "福井県の「Microsoftいいね！チャレンジ」でも、コロナ対策における迅速な対応と県民へのわかりやすい環境整備は多くの票を集めたテーマでした。"
        ),
        "hours_saved_per_year": Decimal("3600"),
        "hours_method": "measured",
        "hours_method_note": "相談記録の転記・集計作業について、導入前後各2週間の作業記録を比較し、年間相談件数に換算。",
        "measured_from": date(2020, 4, 20),
        "measured_until": date(2020, 5, 31),
        "initial_cost_yen": 0,
        "annual_cost_yen": 0,
        "residents_affected": 62_000,
        "outcome_before": "相談状況の把握は翌日。資料の版の取り違えが発生。",
        "outcome_after": "相談状況をリアルタイムで把握。資料は Teams 上の1ファイルに集約。",
        "outcomes": "既存の Microsoft 365 ライセンスの範囲で作ったため追加費用はかかっていません。",
        "lessons": (
            "非常時に新しい道具を覚える余裕はありません。**平時から使っている道具**で作ったことが、2週間で稼働できた理由です。"
        ),
        "success_conditions": "- 全職員が Teams を日常的に使っていること\n- ローコードで作れる職員がすぐ動ける体制",
        "reused_by": ["410", "440", "310", "130"],
        "review_by": date(2027, 3, 31),
        "links": [],
    },
    {
        "slug": "idea-challenge-iine",
        "title": "職員アイデアチャレンジ「Microsoftいいね！チャレンジ」による組織風土の改革",
        "department": "130",
        "field": "internal-operations",
        "tools": ["microsoft-365", "low-code"],
        "stage": "live",
        "started_on": date(2025, 8, 10),
        "summary": (
            "職員の「やりたい」をみんなで支える仕組みとして、Microsoft 365 を使った業務改善のアイデアを募り、"
            "全職員が「いいね！」で投票するチャレンジを8月10日から9月6日まで開きました。22件の応募と370件の投票が集まりました。"
        ),
        "problem": (
            "「業務を良くしたいアイデアはあるが、どこに言えばいいか分からない」という声が職員アンケートで多く、"
            "部署を越えた協働や変革の意識が育ちにくい状況でした。"
        ),
        "baseline": "業務改善提案制度の応募は年3件程度。",
        "approach": (
            "福井県庁の「Microsoftいいね！チャレンジ」を参考にしました。既に使っている Microsoft 365 を中心とした"
            "クラウドサービスの活用を進め、業務を改善することが目的です。\n\n"
            "- 募集と投票は8月10日〜9月6日。応募も投票もポータルで行い、COEが公開前に内容を確認\n"
            "- 1人1アイデアにつき「いいね！」は1回、自分のアイデアには投票できない\n"
            "- 投票期間中は票数を非公開にし、結果発表で順位を公開\n"
            "- 上位のアイデアはCOEが原課と一緒に実現計画をつくり、結果をポータルで公開"
        ),
        "hours_saved_per_year": None,
        "hours_method": "",
        "hours_method_note": "",
        "measured_from": None,
        "measured_until": None,
        "initial_cost_yen": 0,
        "annual_cost_yen": 0,
        "residents_affected": None,
        "outcome_before": "業務改善提案は年3件程度。",
        "outcome_after": (
            "住民の利便性向上から行政実務の効率化まで幅広く22件の応募、庁内から370件の投票。"
            "コロナ対策での迅速な対応・住民へのわかりやすい環境整備と、RPAによる業務効率化の事例に多くの票が集まった。"
        ),
        "outcomes": "投票者の約半数が、これまで提案制度に関わったことのない職員でした。",
        "lessons": "投票の途中経過を見せると上位に票が集まりやすいため、**投票期間中は票数を非公開**にしました。",
        "success_conditions": "- 上位アイデアを必ず実現まで支援する約束（COEの伴走）\n- 幹部が結果発表に参加すること",
        "reused_by": ["210"],
        "review_by": date(2026, 8, 31),
        "links": [("アイデアチャレンジ", "/ideas/")],
    },
]

# --- more cases: the library a city builds up over a few years -----------------------
# (slug, title, department, field, tools, stage, started_on, hours, method, residents,
#  initial cost, annual cost, reused_by, summary, problem, approach, lessons, published)
# fmt: off
MORE_CASES = [
    ("kakanai-madoguchi", "「書かない窓口」：申請書の自動作成とオンライン予約", "310", "administrative-services",
     ["online-application", "low-code"], "live", date(2024, 4, 15), "2100", "measured", 45000, 12_000_000, 3_000_000,
     ["330", "440"],
     "住民は窓口で名前を告げるだけ。職員が住民記録から申請書を作り、確認して署名してもらいます。来庁予約もオンラインで受け付けます。",
     "転入・転出の時期には窓口で1時間以上待つこともあり、同じ内容を何枚もの申請書に書いてもらっていました。",
     "窓口支援システムで住民記録から必要な申請書を一括作成し、来庁予約はオンラインで受け付けて混雑を平準化しました。",
     "職員の操作が増える部分は、画面の流れを窓口担当と一緒に3回作り直しました。", True),
    ("ai-ocr-tax-return", "AI-OCRによる住民税申告書の読み取り", "330", "internal-operations",
     ["ai-ocr", "rpa"], "live", date(2023, 11, 1), "1650", "measured", None, 2_400_000, 900_000, [],
     "手書きの住民税申告書をAI-OCRで読み取り、確認した結果をRPAでシステムに登録します。",
     "申告期に手書きの申告書約2万枚を手入力していました。",
     "読み取り精度の低い欄は職員の確認画面で強調表示し、確認済みのデータだけをRPAが登録します。",
     "手書き文字の読み取りは様式の枠の工夫で精度が大きく上がりました。", True),
    ("care-certification-ocr", "要介護認定調査票のAI-OCR化とRPA連携", "420", "welfare",
     ["ai-ocr", "rpa"], "scaled", date(2023, 6, 1), "980", "measured", 7200, 1_800_000, 700_000, ["430"],
     "認定調査員が記入した調査票をAI-OCRで読み取り、認定システムへの入力をRPAで自動化しました。",
     "調査票の転記に時間がかかり、認定までの日数が法定の30日を超えることがありました。",
     "調査票の様式を読み取りやすく改め、RPAが認定システムに登録、エラーだけを職員が直します。",
     "税務課のRPAのシナリオを参考にでき、2か月で稼働しました。", True),
    ("nursery-online", "保育所入所申請のオンライン化と選考点数の自動計算", "440", "child-rearing",
     ["online-application", "low-code", "rpa"], "live", date(2024, 10, 1), "1400", "measured", 3200, 5_500_000, 1_100_000, [],
     "保育所の入所申請をオンラインで受け付け、選考の点数計算を自動化しました。",
     "申請は窓口持参のみで、選考点数の計算と確認に毎年延べ数百時間かかっていました。",
     "電子申請で受け付けた内容から、ローコードアプリが選考基準に沿って点数を計算し、職員が確認します。",
     "点数計算の根拠を画面に表示したことで、保護者への説明がしやすくなりました。", True),
    ("remote-sign-language", "Web会議による遠隔手話通訳の窓口", "430", "welfare",
     ["web-meeting", "microsoft-365"], "pilot", date(2025, 6, 2), "120", "estimated", 400, 300_000, 120_000, ["310"],
     "窓口のタブレットから手話通訳者につなぎ、聴覚に障害のある方が予約なしで相談できるようにしました。",
     "手話通訳者の派遣は事前予約が必要で、急な相談に対応できませんでした。",
     "各窓口にタブレットを置き、Web会議で通訳者センターにつなぎます。",
     "画面の大きさと照明で読み取りやすさが変わるため、設置場所を利用者と一緒に決めました。", True),
    ("shelter-status-app", "避難所の開設・混雑状況をリアルタイムに公開", "710", "disaster-prevention",
     ["low-code", "gis", "data-platform"], "live", date(2023, 6, 1), "350", "estimated", 120000, 1_500_000, 300_000, ["810"],
     "避難所の職員がスマートフォンで開設・混雑状況を入力すると、市のウェブ地図にすぐ反映されます。",
     "避難所の状況は電話で本部に集め、ホワイトボードにまとめていたため、住民への発信が遅れていました。",
     "ローコードアプリで入力し、データ連携基盤経由でGIS地図とオープンデータに公開します。",
     "訓練で毎年使うことで、災害時にも迷わず入力できるようになりました。", True),
    ("river-level-sensors", "河川水位センサーとダッシュボードによる早期警戒", "710", "disaster-prevention",
     ["iot-sensors", "bi", "data-platform"], "pilot", date(2025, 4, 21), "200", "estimated", 18000, 6_000_000, 800_000, [],
     "中小河川8か所に水位センサーを置き、危険水位に近づくと防災課と住民に知らせます。",
     "中小河川には水位計がなく、大雨のたびに職員が現地を見回っていました。",
     "水位データをデータ連携基盤に集め、ダッシュボードで監視し、しきい値を超えると通知します。",
     "センサーの電池交換など保守の手間を、最初の計画で見込んでおく必要がありました。", True),
    ("road-damage-reports", "市民通報アプリによる道路損傷の受付", "620", "urban-infrastructure",
     ["low-code", "gis", "image-recognition"], "live", date(2023, 9, 1), "760", "measured", 2300, 2_000_000, 500_000, ["630"],
     "住民がスマートフォンで道路の穴やカーブミラーの破損を撮影して送ると、位置つきで担当に届きます。",
     "電話の通報では場所の特定に時間がかかり、現地で探し回ることがありました。",
     "写真と位置情報つきの通報をGIS上で管理し、画像認識で損傷の種類を仮分類します。",
     "通報への対応結果を住民に返すことで、通報がさらに増えました（うれしい悲鳴）。", True),
    ("dashcam-road-inspection", "公用車ドライブレコーダー映像のAI解析による路面点検", "620", "urban-infrastructure",
     ["image-recognition", "data-platform"], "poc", date(2026, 5, 11), "500", "estimated", None, 1_200_000, None, [],
     "ごみ収集車などの公用車のドライブレコーダー映像から、AIがひび割れや穴を見つけます。",
     "路面の巡回点検は年1回で、損傷の発見が住民の通報頼みでした。",
     "映像をAIで解析し、損傷の候補を地図に表示。職員が確認して補修の優先度を決めます。",
     "実証中。映像に写る人や車のナンバーはぼかしてから解析しています。", True),
    ("school-absence-teams", "1人1台端末と Teams による欠席連絡のオンライン化", "820", "education",
     ["microsoft-365", "low-code"], "scaled", date(2023, 4, 10), "3000", "measured", 18000, 0, 0, ["810", "830"],
     "保護者が朝の欠席連絡をフォームで送ると、担任の Teams に一覧で届きます。",
     "毎朝、教頭や担任が欠席連絡の電話に追われ、授業準備の時間が削られていました。",
     "Microsoft Forms と Power Automate で連絡を受け、学級ごとの一覧を自動で作ります。",
     "1校で試してから全校に広げるまで半年。各校の先生向けの5分動画が役に立ちました。", True),
    ("school-repairs-app", "学校施設の修繕要望をローコードアプリで一元管理", "810", "education",
     ["low-code"], "live", date(2024, 7, 1), "420", "measured", None, 0, 0, [],
     "各校からの修繕要望をアプリで受け、写真と優先度つきで管理します。",
     "修繕要望は紙とメールで届き、進み具合を学校に説明できませんでした。",
     "Power Apps で要望を受け付け、担当と進捗を学校と共有します。",
     "要望の書き方の例を画面に出しただけで、問い合わせが半分になりました。", True),
    ("kominkan-booking", "公民館講座のオンライン予約と決済", "830", "education",
     ["online-application"], "pilot", date(2025, 10, 1), "260", "estimated", 6000, 3_000_000, 600_000, [],
     "公民館の講座をオンラインで予約し、受講料もその場で払えるようにしました。",
     "講座の申込は往復はがきと電話で、抽選と入金確認に手間がかかっていました。",
     "電子申請サービスで申込・抽選・決済を行い、結果はメールで届けます。",
     "高齢の方のために、公民館の窓口で職員が代わりに申し込む方法も残しています。", True),
    ("generative-ai-docs", "生成AIによる文書作成支援（庁内ガイドラインつき）", "210", "internal-operations",
     ["generative-ai", "microsoft-365"], "pilot", date(2025, 5, 1), "5000", "estimated", None, 0, 4_800_000,
     ["120", "240", "230"],
     "議事録の要約や通知文の下書きに生成AIを使えるようにし、使い方のガイドラインと研修をセットで整えました。",
     "文書の下書きや要約に多くの時間を使っていました。",
     "庁内データが学習に使われない環境で生成AIを提供し、個人情報を入れないなどのルールを定めました。",
     "ガイドラインは禁止事項だけでなく「こう使うと良い」例を多く載せたことが利用拡大につながりました。", True),
    ("overtime-workflow", "時間外勤務申請のワークフロー化", "210", "internal-operations",
     ["low-code", "microsoft-365"], "live", date(2024, 4, 1), "1100", "measured", None, 0, 0, ["230", "240"],
     "紙の時間外勤務命令簿をワークフローに置き換え、承認と集計を自動化しました。",
     "紙の命令簿の回覧と月末の集計に、各課の庶務担当が多くの時間を使っていました。",
     "Power Apps と Power Automate で申請・承認し、集計結果を給与システムに取り込みます。",
     "承認者がスマートフォンからも承認できるようにしたことで、承認待ちがほぼなくなりました。", True),
    ("budget-bi", "予算要求資料の集計をBIダッシュボードで自動化", "230", "internal-operations",
     ["bi", "rpa"], "live", date(2024, 9, 1), "640", "measured", None, 800_000, 300_000, [],
     "各課の予算要求を自動で集計し、査定の状況をダッシュボードで共有します。",
     "各課から届くExcelを手作業で集計し、版の違いによる集計ミスがありました。",
     "要求様式を統一し、RPAで集めたデータをBIで集計・可視化します。",
     "様式の統一が一番大変で、一番効果がありました。", True),
    ("e-contract", "電子契約の導入", "240", "internal-operations",
     ["online-application"], "live", date(2025, 4, 1), "380", "measured", 1200, 500_000, 1_200_000, ["630"],
     "事業者との契約を電子契約サービスで結べるようにし、押印と郵送をなくしました。",
     "契約書の製本・押印・郵送に日数がかかり、事業者にも負担でした。",
     "電子契約サービスを導入し、希望する事業者から順に切り替えました。",
     "事業者向けの説明会を開き、最初の10社に丁寧に伴走したことが普及の鍵でした。", True),
    ("line-segment-delivery", "LINE公式アカウントによる情報配信と問い合わせ自動応答", "120", "administrative-services",
     ["chatbot"], "live", date(2023, 7, 1), "900", "estimated", 52000, 1_000_000, 1_500_000, ["440", "530"],
     "住民が受け取りたい分野を選べるLINE配信と、よくある質問へのチャットボット応答を始めました。",
     "広報紙とウェブサイトだけでは、必要な人に必要な情報が届いていませんでした。",
     "分野・地域別のセグメント配信と、ごみ・子育て・手続きのFAQボットを組み合わせました。",
     "配信しすぎるとブロックされるため、配信回数に上限を設けました。", True),
    ("mayor-schedule-m365", "市長日程・来客管理の Microsoft 365 への移行", "110", "internal-operations",
     ["microsoft-365"], "live", date(2023, 5, 8), "300", "measured", None, 0, 0, [],
     "紙とホワイトボードで管理していた市長の日程と来客を、共有の予定表に移しました。",
     "日程の変更が関係部署に伝わるまで時間がかかり、二重に予約が入ることがありました。",
     "予定表とフォームで日程調整を受け付け、関係者に自動で共有します。",
     "閲覧できる範囲を細かく決めてから始めました。", True),
    ("zero-trust-beta", "ゼロトラストと業務端末の常時インターネット接続（βモデル）", "220", "internal-operations",
     ["microsoft-365"], "live", date(2024, 4, 1), "6000", "estimated", None, 48_000_000, 22_000_000, ["130"],
     "業務端末からクラウドサービスを直接使えるようにし、IDと端末の状態で守るゼロトラストの仕組みに切り替えました。",
     "インターネット用と業務用の端末を使い分けており、ファイルの受け渡しや端末の切替に時間がかかっていました。",
     "ID・アクセス管理、情報保護、脅威対策を組み合わせ、場所を問わず安全に働ける環境にしました。",
     "個別のツールのコストではなく、移動や切替の時間を含めたトータルコストで説明したことが予算化の決め手でした。", True),
    ("digital-kairanban", "自治会の電子回覧板", "320", "administrative-services",
     ["low-code", "online-application"], "pilot", date(2025, 9, 1), "450", "estimated", 8500, 600_000, 200_000, [],
     "自治会の回覧をスマートフォンで読めるようにし、市からのお知らせも同時に届けます。",
     "紙の回覧は届くまで2週間以上かかり、役員の負担も大きくなっていました。",
     "希望する自治会から電子回覧板を使い始め、紙の回覧と併用しています。",
     "デジタルが苦手な方のために、紙の回覧を残す自治会も選べるようにしました。", True),
    ("facility-power-bi", "公共施設の電力使用量の見える化", "510", "environment",
     ["iot-sensors", "bi", "data-platform"], "live", date(2024, 6, 1), "220", "measured", None, 3_500_000, 400_000, ["810"],
     "主要な公共施設の電力使用量を30分ごとに集め、ダッシュボードで見えるようにしました。",
     "電力使用量は月1回の請求書でしか分からず、省エネの効果を確かめられませんでした。",
     "スマートメーターのデータをデータ連携基盤に集め、施設ごとに比較できるようにしました。",
     "数字が見えるだけで、各施設の職員が自発的に省エネを始めました。", True),
    ("garbage-sorting-app", "写真で分別方法がわかるごみ分別案内アプリ", "520", "environment",
     ["image-recognition", "chatbot"], "stopped", date(2023, 4, 17), "150", "estimated", 3000, 2_500_000, 900_000, [],
     "ごみを撮影すると分別方法を案内するアプリを試しましたが、利用が伸びず停止しました。",
     "分別方法の問い合わせが多く、職員の電話対応の負担になっていました。",
     "画像認識で品目を判定し、分別区分と出し方を案内するアプリを公開しました。",
     "単独のアプリはダウンロードされにくく、LINE のチャットボットに機能を統合する方が良いと判断しました。"
     "止めた判断とその理由を残すことも、次の事業の大切な材料です。", True),
    ("garbage-truck-gps", "ごみ収集車のGPS運行管理と収集ルートの最適化", "530", "environment",
     ["iot-sensors", "gis", "data-platform"], "pilot", date(2026, 4, 6), "700", "estimated", None, 4_000_000, 1_000_000, [],
     "収集車の位置と収集状況を地図で把握し、ルートを見直します。",
     "収集漏れの問い合わせに、車両に電話で確認するしかありませんでした。",
     "車載端末のGPSデータを集め、収集済みの地点を地図に表示します。",
     "試行中。", True),
    ("mynumber-sms-reminder", "マイナンバーカード交付予約のSMSリマインド", "310", "administrative-services",
     ["sms", "rpa"], "live", date(2023, 8, 1), "520", "measured", 30000, 400_000, 600_000, [],
     "交付予約の前日にSMSでお知らせし、持ち物も案内します。",
     "予約の無断キャンセルと持ち物の不足で、再来庁が多くなっていました。",
     "予約データからRPAが対象者を抽出し、SMSを送ります。",
     "文面は短く、持ち物は3つまでに絞りました。", True),
    ("on-demand-bus", "コミュニティバスのAIオンデマンド交通の実証", "640", "transport",
     ["data-platform", "external-api"], "pilot", date(2025, 10, 1), "180", "estimated", 3400, 15_000_000, 6_000_000, [],
     "利用の少ない路線を、予約に応じてAIが経路を決めるオンデマンド交通に置き換える実証です。",
     "郊外の路線は利用が少なく、空の便も多くなっていました。",
     "電話とアプリで予約を受け、AIが乗り合いの経路を決めます。",
     "電話予約が6割を占めており、電話窓口の体制が欠かせません。", True),
    ("plateau-consultation", "3D都市モデルを使った開発許可の事前相談", "610", "urban-infrastructure",
     ["gis", "mixed-reality"], "idea", date(2026, 6, 1), None, "", None, None, None, [],
     "3D都市モデルで建物の高さや日影を示しながら、開発許可の事前相談を行う構想です。",
     "図面だけでは、周辺への影響を事業者と住民に伝えにくい状況です。",
     "3D都市モデルに計画建物を重ねて表示し、説明会でも使うことを検討しています。",
     "", False),
    ("welfare-consultation-sharing", "生活困窮相談の記録を多機関で共有", "410", "welfare",
     ["microsoft-365", "low-code"], "idea", date(2026, 9, 1), None, "", None, None, None, [],
     "生活困窮の相談記録を、本人の同意のもとで関係機関と共有する仕組みを検討しています。",
     "相談者が機関ごとに同じ説明を繰り返さなければなりません。",
     "同意を得た範囲で、相談記録を関係機関と共有するアプリを検討中です。",
     "", False),
]
# fmt: on


def _department(code: str) -> Department:
    return Department.objects.get(code=code)


def _contacts(department: Department, coe: list[User], index: int) -> list[User]:
    people = list(User.objects.filter(department=department, is_active=True).order_by("username")[:1])
    if coe:
        people.append(coe[index % len(coe)])
    return people


def _attach_demo_files(case: Case, author: User | None) -> None:
    if case.slug == "rpa-tax-clerical":
        upload = SimpleUploadedFile(
            "RPA削減時間の集計.csv",
            "様式,年間枚数,導入前（分/枚）,導入後（分/枚）,削減時間（時間/年）\n"
            "給与支払報告書,42000,3.0,0.6,1680\n"
            "公的年金等支払報告書,12000,3.0,0.6,480\n"
            "住民税申告書（定型）,6000,3.0,0.6,240\n".encode(),
        )
        case_attachment_add(case=case, upload=upload, actor=author, description="計測期間の作業記録から算出")
    elif case.slug == "sodai-gomi-chatbot":
        upload = SimpleUploadedFile(
            "粗大ごみチャットボット会話フロー.txt",
            (
                "新規申し込み → 品目の質問 → 収集対象外品目のFAQ → 写真撮影と画像認識 → サイズの確認 → 手数料の案内 "
                "→ 郵便番号から住所補完 → 携帯電話番号 → SMSで申込URL → 会話内容を自動入力した申込フォーム\n"
            ).encode(),
        )
        case_attachment_add(case=case, upload=upload, actor=author, description="会話の流れの一覧")


def seed(stdout) -> None:
    reference_data_ensure()
    fields = {f.code: f for f in Field.objects.all()}
    tools = {t.code: t for t in Tool.objects.all()}
    coe = list(User.objects.filter(groups__name=Role.COE, is_active=True).order_by("username"))
    existing = set(Case.objects.filter(slug__isnull=False).values_list("slug", flat=True))

    specs = list(PROPOSAL_CASES)
    for (
        slug, title, dept, field, tool_codes, stage, started_on, hours, method, residents, initial, annual,
        reused, summary, problem, approach, lessons, published,
    ) in MORE_CASES:  # fmt: skip
        specs.append(
            {
                "slug": slug,
                "title": title,
                "department": dept,
                "field": field,
                "tools": tool_codes,
                "stage": stage,
                "started_on": started_on,
                "summary": summary,
                "problem": problem,
                "approach": approach,
                "lessons": lessons,
                "hours_saved_per_year": Decimal(hours) if hours else None,
                "hours_method": method,
                "hours_method_note": METHOD_NOTES[method],
                "residents_affected": residents,
                "initial_cost_yen": initial,
                "annual_cost_yen": annual,
                "reused_by": reused,
                "publish": published,
            }
        )

    created = 0
    for index, spec in enumerate(specs):
        if spec["slug"] in existing:
            continue
        spec = dict(spec)
        department = _department(spec.pop("department"))
        author = coe[index % len(coe)] if coe else None
        case = case_create(
            author=author,
            slug=spec.pop("slug"),
            publish=spec.pop("publish", True),
            department=department,
            field=fields[spec.pop("field")],
            tools=[tools[code] for code in spec.pop("tools")],
            reused_by=[_department(code) for code in spec.pop("reused_by")],
            contacts=_contacts(department, coe, index),
            links=spec.pop("links", []),
            **spec,
        )
        _attach_demo_files(case, author)
        created += 1
    stdout.write(f"cases: {len(specs)} demo cases ({created} new)")
