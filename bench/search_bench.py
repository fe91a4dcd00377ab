"""Search benchmark: 50,000 documents of generated Japanese municipal text, timed queries of
1, 2, 3 and 6 characters (rare and common), on SQLite and PostgreSQL; optionally the search
page under gunicorn + wrk against the same page without a query. Not a test; see docs/search.md.

    .venv/bin/python bench/search_bench.py                      # both databases, 50,000 documents
    .venv/bin/python bench/search_bench.py --db sqlite --docs 5000 --queries 20
    .venv/bin/python bench/search_bench.py --wrk                # also gunicorn -w 2 + wrk

SQLite uses /tmp/search-bench/bench.sqlite3; PostgreSQL the database dx_coe_portal_bench_search
(created from template0, UTF-8, C.UTF-8). The documents are kept between runs and regenerated
only when their number differs (or with --regenerate). The generator is seeded: every run
indexes the same text.
"""

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_DIR = Path("/tmp/search-bench")
PG_DB = "dx_coe_portal_bench_search"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
LENGTHS = (1, 2, 3, 6)

# --- a generator of Japanese municipal text -----------------------------------------------


def _words(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


DEPARTMENTS = _words(
    "市民課 税務課 福祉課 子育て支援課 環境政策課 資源循環課 道路管理課 情報政策課 DX推進課 防災危機管理課 "
    "観光振興課 農政課 建築指導課 保険年金課 介護保険課 健康増進課 教育委員会 文化振興課 人事課 財政課 "
    "上下水道局 消防本部 議会事務局 会計課 契約課 都市計画課 公園緑地課 交通政策課 生活安全課 市民協働課"
)
NOUNS = _words(
    "住民票 印鑑登録証明書 マイナンバーカード 粗大ごみ 資源ごみ 電子申請 窓口 手続き 申請書 届出 証明書 "
    "保育所 児童手当 国民健康保険 介護認定 固定資産税 住民税 軽自動車税 道路占用 公園 図書館 避難所 "
    "ハザードマップ 防災訓練 給付金 補助金 会計年度任用職員 予算 決算 条例 規則 要綱 チャットボット RPA "
    "ローコード PowerApps Teams Microsoft365 AI-OCR データ連携 オープンデータ ダッシュボード アンケート "
    "ワークショップ デザイン思考 ペルソナ カスタマージャーニー 業務フロー 業務改善 問い合わせ コールセンター "
    "LINE キャッシュレス決済 オンライン会議 テレワーク ペーパーレス 押印廃止 電子決裁 文書管理 セキュリティ "
    "ゼロトラスト シングルサインオン 研修 職員 市民 事業者 高齢者 子ども 外国人住民 障害者手帳 転入届 転出届 "
    "戸籍謄本 水道料金 ごみ収集 分別 リサイクル 空き家 道路補修 街路灯 放置自転車 ふるさと納税 観光案内 "
    "イベント 子育て相談 健康診断 予防接種 特定健診 母子手帳 就学援助 学童保育 給食 通学路 スマート窓口 "
    "書かない窓口 行かない市役所 タブレット端末 庁内ネットワーク クラウド 基幹系システム 標準化 ガバメントクラウド "
    "個人情報保護 情報公開 統計データ 地図情報 GIS ドローン センサー IoT 画像認識 音声認識 議事録作成 生成AI"
)
VERBS = _words(
    "を導入しました|を見直しました|に取り組みました|について検討しています|を効率化しました|が課題でした|"
    "を自動化しました|を活用しています|を試行しました|を本格運用しています|の利用が広がりました|"
    "の手順を整理しました|の負担を減らしました|をオンライン化しました|の待ち時間を短縮しました",
    "|",
)
OPENERS = ("また、", "さらに、", "その結果、", "一方で、", "今後は、", "具体的には、", "これまでは", "現在、", "")
RESULTS = (
    "年間{n}時間の削減につながりました",
    "約{n}件の問い合わせが減りました",
    "処理時間が{p}%短くなりました",
    "令和{y}年度から全庁に展開する予定です",
    "{n}人の職員が研修を受けました",
    "市民満足度が{p}ポイント向上しました",
)
# Proper names built from these (about one document in twenty) give rare characters and words.
RARE_KANJI = (
    "鰻鶯檜蕨箪笥鰹蒟蒻硯鼈甲鷲鷹鶴亀鯉鮎鱒鯛鰯鯖梟狸狐猪鹿熊栗柿梨桃杏榎欅楓椿柊樫楠橘"
    "苺葵菫蓮萩菖蒲藤桔梗芙蓉牡丹芍薬竜胆撫子蘭薔薇雛罌粟茜紬絣縞錦繍綾羅紗緋翠碧琥珀瑠璃玻"
)
PLACES = _words("北 南 東 西 中央 本町 栄 緑 若葉 桜 旭 青葉 泉 港 新田 大橋 山手 川原 高台 平野")


def _zipf_choice(rng: random.Random, items: list[str], cumulative: list[float]) -> str:
    return items[min(len(items) - 1, _bisect(cumulative, rng.random() * cumulative[-1]))]


def _bisect(cumulative: list[float], value: float) -> int:
    low, high = 0, len(cumulative)
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] < value:
            low = middle + 1
        else:
            high = middle
    return low


class TextGenerator:
    def __init__(self, seed: int = 20261126) -> None:
        self.rng = random.Random(seed)
        self.nouns = NOUNS[:]
        self.rng.shuffle(self.nouns)
        total = 0.0
        self.cumulative = []
        for rank in range(1, len(self.nouns) + 1):
            total += 1 / rank
            self.cumulative.append(total)

    def noun(self) -> str:
        return _zipf_choice(self.rng, self.nouns, self.cumulative)

    def rare_name(self) -> str:
        rng = self.rng
        return "".join(rng.choice(RARE_KANJI) for _ in range(rng.choice((2, 2, 3)))) + rng.choice(
            ("地区", "町", "さん", "川")
        )

    def sentence(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.45:
            text = f"{rng.choice(OPENERS)}{rng.choice(DEPARTMENTS)}では{self.noun()}の{self.noun()}{rng.choice(VERBS)}"
        elif kind < 0.75:
            result = rng.choice(RESULTS).format(n=rng.randint(2, 3000), p=rng.randint(3, 80), y=rng.randint(5, 9))
            text = f"{rng.choice(OPENERS)}{self.noun()}と{self.noun()}を組み合わせることで、{result}"
        elif kind < 0.95:
            text = f"{rng.choice(PLACES)}地区の{self.noun()}について、{self.noun()}{rng.choice(VERBS)}"
        else:
            text = f"{self.rare_name()}の{self.noun()}{rng.choice(VERBS)}"
        return text + "。"

    def document(self, kind: str) -> tuple[str, str]:
        rng = self.rng
        if kind == "case":
            title = f"{rng.choice(DEPARTMENTS)}における{self.noun()}の{self.noun()}事例"
            sentences = rng.randint(4, 14)
        else:
            title = rng.choice(
                (
                    f"{self.noun()}の{self.noun()}ガイド",
                    f"{self.noun()}を使った{self.noun()}の進め方",
                    f"【手順】{self.noun()}の{self.noun()}",
                    f"{self.noun()}よくある質問",
                )
            )
            sentences = rng.randint(6, 40)
        paragraphs = []
        for _ in range(max(1, sentences // 4)):
            paragraphs.append("".join(self.sentence() for _ in range(rng.randint(2, 5))))
        return title, "\n".join(paragraphs)


# --- running against one database -----------------------------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django
    from django.conf import settings

    django.setup()
    # Times the search itself: never a result page cached by an earlier (warm-up) query.
    settings.SEARCH_RESULT_CACHE_SECONDS = 0


def _register_bench_types() -> None:
    from apps.search.registry import SearchableType, searchable_get, searchable_register

    for key, label in (("article", "Article"), ("case", "Case")):
        if searchable_get(key) is None:
            searchable_register(
                SearchableType(key=key, label=label, model=f"bench.{key}", document=lambda o: None, queryset=lambda: [])
            )


def _load(docs: int, out) -> float:
    from django.db import connection, transaction

    from apps.search import backends
    from apps.search.models import SearchDocument
    from apps.search.registry import SearchDoc
    from apps.search.services import search_documents_bulk_put

    started = time.perf_counter()
    generator = TextGenerator()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction.atomic():
        backends.fts_clear()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE search_searchdocument")
        else:
            SearchDocument.objects.all().delete()
    if connection.vendor == "postgresql":
        # Bulk loading is much faster without the GIN indexes; they are built afterwards.
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS search_document_vector")
            cursor.execute("DROP INDEX IF EXISTS search_document_title_vector")
    batch: dict[str, list] = {"article": [], "case": []}
    for number in range(docs):
        kind = "case" if number % 3 == 0 else "article"
        title, body = generator.document(kind)
        batch[kind].append(
            (
                number,
                SearchDoc(
                    title=title,
                    body=body,
                    url=f"/{kind}/{number}/",
                    updated_at=now - timedelta(minutes=generator.rng.randint(0, 5 * 365 * 24 * 60)),
                    audience="coe" if number % 20 == 0 else "all",
                    meta=[generator.rng.choice(DEPARTMENTS)],
                ),
            )
        )
        if len(batch[kind]) >= 1000:
            search_documents_bulk_put(kind=kind, items=batch[kind])
            batch[kind] = []
        if number and number % 10000 == 0:
            print(f"  … {number} documents", file=out, flush=True)
    for kind, items in batch.items():
        search_documents_bulk_put(kind=kind, items=items)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, column in (
                ("search_document_vector", "vector"),
                ("search_document_title_vector", "title_vector"),
            ):
                cursor.execute(
                    f"CREATE INDEX {name} ON search_searchdocument USING gin ({column}) WITH (fastupdate = off)"
                )
            cursor.execute("VACUUM ANALYZE search_searchdocument")
        else:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
            cursor.execute("VACUUM")
    return time.perf_counter() - started


_SKIP = set(" 、。,.()【】「」-")


def _pick_queries(per_class: int, seed: int = 7) -> dict[tuple[int, str], list[str]]:
    """Per length: the `per_class` substrings most common in a sample of documents, and
    `per_class` that occur in exactly one or very few of them."""
    from apps.search.models import SearchDocument

    rng = random.Random(seed)
    ids = list(SearchDocument.objects.values_list("pk", flat=True))
    sample_ids = rng.sample(ids, min(2000, len(ids)))
    texts = [
        f"{t}\n{b}"
        for t, b in SearchDocument.objects.filter(pk__in=sample_ids, audience="all").values_list(
            "norm_title", "norm_body"
        )
    ]
    chosen: dict[tuple[int, str], list[str]] = {}
    for length in LENGTHS:
        candidates: set[str] = set()
        attempts = 0
        while len(candidates) < 1500 and attempts < 100_000:
            attempts += 1
            text = rng.choice(texts)
            if len(text) <= length:
                continue
            start = rng.randrange(0, len(text) - length)
            piece = text[start : start + length]
            if not (set(piece) & _SKIP) and "\n" not in piece:
                candidates.add(piece)
        ranked = sorted(candidates, key=lambda c: (sum(1 for t in texts if c in t), c))
        chosen[(length, "rare")] = ranked[:per_class]
        chosen[(length, "common")] = ranked[-per_class:]
    return chosen


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _time_queries(queries: dict[tuple[int, str], list[str]], user) -> list[dict]:
    from apps.search.selectors import search

    rows = []
    for (length, rarity), terms in queries.items():
        for term in terms[:5]:
            search(term, user=user)  # warm caches for this class
        times, totals, capped = [], [], 0
        for term in terms:
            started = time.perf_counter()
            results = search(term, user=user, limit=20)
            times.append((time.perf_counter() - started) * 1000)
            totals.append(results.total)
            capped += results.total_capped
        rows.append(
            {
                "length": length,
                "rarity": rarity,
                "queries": len(terms),
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(_percentile(times, 0.95), 2),
                "max_ms": round(max(times), 2),
                "median_hits": statistics.median(totals),
                "capped": capped,
                "examples": terms[:3],
            }
        )
    return rows


def _time_similar(user, count: int = 50) -> dict:
    from apps.search.selectors import similar

    generator = TextGenerator(seed=99)
    texts = [generator.document("article")[0] + " " + generator.sentence() for _ in range(count)]
    times = []
    for text in texts:
        started = time.perf_counter()
        similar(text, user=user, limit=5)
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(_percentile(times, 0.95), 2)}


def _bench_user():
    from apps.accounts.models import User

    user, _created = User.objects.get_or_create(username="search-bench", defaults={"display_name": "Search bench"})
    return user


def _size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('search_searchdocument')), "
                "pg_size_pretty(pg_relation_size('search_document_vector') "
                "+ pg_relation_size('search_document_title_vector'))"
            )
            table, index = cursor.fetchone()
            return f"table with TOAST and indexes {table} (GIN indexes {index})"
    path = Path(connection.settings_dict["NAME"])
    return f"database file {path.stat().st_size / 1e6:.0f} MB"


def run_one(args) -> dict:
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    from apps.search.models import SearchDocument

    call_command("migrate", verbosity=0)
    _register_bench_types()
    out = sys.stderr
    load_seconds = None
    if args.regenerate or SearchDocument.objects.count() != args.docs:
        print(f"{connection.vendor}: generating {args.docs} documents", file=out, flush=True)
        load_seconds = round(_load(args.docs, out), 1)
    user = _bench_user()
    queries = _pick_queries(args.queries)
    busy = _other_cpu_percent()
    result = {
        "busy_before": busy,
        "database": connection.vendor,
        "documents": SearchDocument.objects.count(),
        "load_seconds": load_seconds,
        "size": _size(),
        "rows": _time_queries(queries, user),
        "similar": _time_similar(user),
        "queries": {f"{k[0]}-{k[1]}": v for k, v in queries.items()},
    }
    if args.wrk:
        result["wrk"] = run_wrk(args, queries, user)
    return result


# --- gunicorn + wrk --------------------------------------------------------------------------


def _wrk(url: str, cookie: str, duration: str) -> float:
    subprocess.run(["wrk", "-t2", "-c8", "-d2s", "-H", f"Cookie: {cookie}", url], capture_output=True, check=True)
    output = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{duration}", "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in output.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError(output)


def _other_cpu_percent() -> int:
    """How busy the CPUs are over 2 s while nothing of ours runs (other work lowers the figures)."""

    def sample() -> tuple[int, int]:
        values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(values), values[3] + values[4]

    total0, idle0 = sample()
    time.sleep(2)
    total1, idle1 = sample()
    return round(100 * (1 - (idle1 - idle0) / max(total1 - total0, 1)))


def run_wrk(args, queries, user) -> list[dict]:
    from urllib.parse import quote

    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend="apps.accounts.backends.PasswordBackend")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = args.port
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "portal.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(60):
            if subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{base}/healthz"]).returncode == 0:
                break
            time.sleep(0.5)
        pages = [("search page without a query (1.0)", "/search/")]
        for length, rarity in ((1, "common"), (2, "common"), (2, "rare"), (3, "rare"), (6, "common")):
            term = queries[(length, rarity)][0]
            pages.append((f"{length} character, {rarity}: {term}", f"/search/?q={quote(term)}"))
        rows = []
        for name, path in pages:
            status = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Cookie: {cookie}", base + path],
                capture_output=True,
                text=True,
            ).stdout
            busy = _other_cpu_percent()
            rows.append(
                {
                    "page": name,
                    "path": path,
                    "status": status,
                    "busy": busy,
                    "rps": _wrk(base + path, cookie, args.duration),
                }
            )
        baseline = rows[0]["rps"]
        for row in rows:
            row["ratio"] = round(row["rps"] / baseline, 2) if baseline else None
        return rows
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- both databases and the report -------------------------------------------------------------


def _env_for(db: str, wrk: bool) -> dict:
    env = os.environ.copy()
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if db == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_DIR / 'bench.sqlite3'}"
        env["PORTAL_VAR_DIR"] = str(SQLITE_DIR)
    else:
        exists = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(
                [
                    *("createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", "template0", "-E", "UTF8"),
                    *("--lc-collate=C.UTF-8", "--lc-ctype=C.UTF-8", PG_DB),
                ],
                check=True,
            )
        env["DATABASE_URL"] = PG_URL
        env["PORTAL_VAR_DIR"] = str(SQLITE_DIR / "pg-var")
    if wrk:
        # Production settings for the server (and for this process, which signs the cookie).
        env.update(
            {
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": env.get("DJANGO_SECRET_KEY") or "search-bench-" + os.urandom(24).hex(),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DJANGO_SECURE_SSL_REDIRECT": "0",
                "DJANGO_LOG_LEVEL": "WARNING",
                "PORTAL_LOCAL_LOGIN": "1",
                # Production's exception for a benchmark on loopback (docs/security.md), and what
                # production requires besides: a release and a shared cache.
                "PORTAL_BENCH": "1",
                "PORTAL_RELEASE": env.get("PORTAL_RELEASE") or "search-bench",
                "REDIS_URL": env.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/14",
                "DJANGO_BEHIND_TLS_PROXY": "0",
            }
        )
    return env


def _report(results: list[dict]) -> str:
    lines = []
    for result in results:
        lines.append(
            f"\n{result['database']}: {result['documents']} documents"
            + (f", generated and indexed in {result['load_seconds']} s" if result["load_seconds"] else "")
            + f"; {result['size']}; CPUs {result['busy_before']}% busy with other work before timing"
        )
        lines.append("| length | words | queries | median ms | p95 ms | max ms | median hits |")
        lines.append("|---|---|---:|---:|---:|---:|---:|")
        for row in result["rows"]:
            hits = "1000+" if row["median_hits"] >= 1000 else f"{row['median_hits']:g}"
            lines.append(
                f"| {row['length']} | {row['rarity']} (e.g. {' '.join(row['examples'])}) | {row['queries']} "
                f"| {row['median_ms']} | {row['p95_ms']} | {row['max_ms']} | {hits} |"
            )
        lines.append(f"similar(): median {result['similar']['median_ms']} ms, p95 {result['similar']['p95_ms']} ms")
        for row in result.get("wrk", []):
            lines.append(
                f"  wrk {row['page']}: {row['rps']:.0f} req/s ({row['ratio']}) HTTP {row['status']}, "
                f"CPUs {row['busy']}% busy with other work before"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=100, help="queries per length and rarity")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--wrk", action="store_true", help="also serve with gunicorn -w 2 and measure with wrk")
    parser.add_argument("--duration", default="10s", help="wrk duration per page")
    parser.add_argument("--port", type=int, default=8124)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_one(args), ensure_ascii=False))
        return
    if args.wrk and not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    results = []
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        command = [sys.executable, __file__, "--child", "--docs", str(args.docs), "--queries", str(args.queries)]
        command += ["--duration", args.duration, "--port", str(args.port)]
        command += ["--regenerate"] * args.regenerate + ["--wrk"] * args.wrk
        output = subprocess.run(
            command, env=_env_for(db, args.wrk), capture_output=False, stdout=subprocess.PIPE, text=True
        )
        if output.returncode:
            sys.exit(f"{db}: failed ({output.returncode})")
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    print(_report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
