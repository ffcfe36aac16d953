"""Benchmark of the search (issue 29): 500 students x 26 periods (13,000
reports, with their reviews, blockers and Q&A entries) on PostgreSQL, through
the API as the TA (who may read everything) and as a student. Run with `make
bench-search`; it creates its database, migrates it and seeds it once.

For a two-character Chinese query and an English word: median and 95th
percentile of the request (Django's test client: middleware, view, access
scoping, snippets, JSON), each beside its ratio to the floor, the same
request's SQL run alone (bench/floor.py). Then the similarity check's cost
per submitted report at that size: fingerprint, candidates from the bands,
exact comparison, flags (reports.similarity.checking.check_report).
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "camp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench.database import migrated_database  # noqa: E402
from bench.floor import RUNS, duration, floor  # noqa: E402
from camp.models import Cohort, Role, User  # noqa: E402
from reports.models import Report, SearchDocument, SimilarityBand  # noqa: E402
from reports.similarity.checking import check_report, fingerprint  # noqa: E402

SLUG, STUDENTS, MENTORS, PERIODS = "bench-search", 500, 60, 26
QUERIES = [("two Chinese characters", "切分"), ("an English word", "kernel")]
SIMILARITY_SAMPLE = 50

WORDS = [
    "算子",
    "切分",
    "推导",
    "规则",
    "单测",
    "动态图",
    "静态图",
    "编译",
    "显存",
    "精度",
    "对齐",
    "文档",
    "教程",
    "翻译",
    "模型",
    "训练",
    "推理",
    "部署",
    "量化",
    "剪枝",
    "蒸馏",
    "数据集",
    "评测",
    "基准",
    "调研",
    "论文",
    "复现",
    "接口",
    "兼容",
    "迁移",
    "调试",
    "日志",
    "性能",
    "优化",
    "并行",
    "分布式",
    "通信",
    "内核",
    "算法",
    "框架",
    "组件",
    "插件",
    "配置",
    "环境",
    "依赖",
    "安装",
    "镜像",
    "容器",
    "脚本",
    "流水线",
    "测试",
    "覆盖率",
    "重构",
    "注释",
    "规范",
    "审查",
    "合入",
    "冲突",
    "分支",
    "版本",
]
ENGLISH = [
    "kernel",
    "tensor",
    "shape",
    "dtype",
    "graph",
    "pass",
    "operator",
    "benchmark",
    "profiler",
    "cuda",
]


def sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(5, 9))
    if rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), rng.choice(ENGLISH))
    return "，".join("".join(words[i : i + 3]) for i in range(0, len(words), 3)) + "。"


def body(rng: random.Random, name: str) -> str:
    work = "\n".join(f"{n}. {sentence(rng)}" for n in range(1, rng.randint(3, 6)))
    plans = "\n".join(f"{n}. {sentence(rng)}" for n in range(1, rng.randint(2, 4)))
    text = (
        f"### 姓名\n\n{name}\n\n### 实习项目\n\n项目\n\n### 本周工作\n\n{work}\n\n"
        f"### 下周工作\n\n{plans}\n"
    )
    if rng.random() < 0.3:
        text += f"\n### 当前阻塞\n\n- {sentence(rng)}\n"
    if rng.random() < 0.3:
        text += f"\n### 问题疑惑与解答\n\n* {sentence(rng)[:-1]}？\n\n    答：{sentence(rng)}\n"
    return text


def seed() -> Cohort:
    cohort = Cohort.objects.filter(slug=SLUG).first()
    if cohort is not None and SearchDocument.objects.filter(cohort=cohort).exists():
        return cohort
    started = time.perf_counter()
    null = open(os.devnull, "w")  # noqa: SIM115
    call_command(
        "seed_demo", cohort=SLUG, students=STUDENTS, mentors=MENTORS, periods=PERIODS, stdout=null
    )
    cohort = Cohort.objects.get(slug=SLUG)
    rng = random.Random(29)
    # Every student's report for every period (the demo leaves some missing).
    have = set(Report.objects.filter(period__cohort=cohort).values_list("student_id", "period_id"))
    students = User.objects.filter(memberships__cohort=cohort, memberships__role=Role.STUDENT)
    Report.objects.bulk_create(
        [
            Report(
                student=student,
                period=period,
                status=Report.Status.SUBMITTED,
                submitted_at=period.due_at - datetime.timedelta(days=1),
            )
            for student in students
            for period in cohort.periods.all()
            if (student.pk, period.pk) not in have
        ],
        batch_size=2000,
    )
    reports = list(Report.objects.filter(period__cohort=cohort).select_related("student", "period"))
    for report in reports:
        report.body = body(rng, report.student.name)
        if report.submitted_at is None:
            report.status, report.submitted_at = Report.Status.SUBMITTED, report.period.due_at
    Report.objects.bulk_update(reports, ["body", "status", "submitted_at"], batch_size=1000)
    call_command("rebuild_knowledge", "--cohort", SLUG, "--without-similarity", stdout=null)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded {SLUG}: {len(reports)} reports, {SearchDocument.objects.filter(cohort=cohort).count()}"
        f" search documents, in {time.perf_counter() - started:.0f} s"
    )
    return cohort


def fingerprinted(cohort: Cohort) -> None:
    """Every report's similarity bands, as the receivers leave them (the check
    of each one as it was submitted is what is measured, on a sample)."""
    if SimilarityBand.objects.filter(cohort=cohort).exists():
        return
    started = time.perf_counter()
    for report in Report.objects.filter(period__cohort=cohort).select_related(
        "period__cohort", "student"
    ):
        fingerprint(report, created=True)
    print(f"fingerprinted {SLUG} in {time.perf_counter() - started:.0f} s")


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def timed_search(client: Client, query: str) -> tuple[list[float], list[str], int]:
    url = "/api/search/"
    client.get(url, {"q": query})  # warm-up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url, {"q": query})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    with CaptureQueriesContext(connection) as captured:
        results = client.get(url, {"q": query}).json()["results"]
    return times, [q["sql"] for q in captured.captured_queries], len(results)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench-search measures PostgreSQL: set DATABASE_URL (the Makefile does).")
    migrated_database()
    setup_test_environment()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cohort = seed()
    fingerprinted(cohort)
    print(
        f"database: {settings.DATABASES['default']['NAME']}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; {RUNS} runs after one warm-up"
    )
    print("x floor: the figure divided by the same request's SQL run alone")
    student = User.objects.filter(
        memberships__cohort=cohort, memberships__role=Role.STUDENT
    ).order_by("pk")[7]
    who = [("TA", User.objects.get(username="ta")), ("student", student)]
    print(f"{'':<40}{'median':>10}{'x floor':>9}{'p95':>10}{'x floor':>9}{'floor':>10}{'hits':>6}")
    for role, user in who:
        client = Client()
        client.force_login(user)
        for label, query in QUERIES:
            times, queries, hits = timed_search(client, query)
            base = floor(queries)
            median, high = statistics.median(times), p95(times)
            print(
                f"{role + ', ' + label + ' (' + query + ')':<40}{duration(median):>10}"
                f"{median / base:>8.1f}x{duration(high):>10}{high / base:>8.1f}x"
                f"{duration(base):>10}{hits:>6}"
            )

    rng = random.Random(7)
    ids = list(
        Report.objects.filter(period__cohort=cohort, status=Report.Status.SUBMITTED).values_list(
            "pk", flat=True
        )
    )
    sample = Report.objects.filter(pk__in=rng.sample(ids, SIMILARITY_SAMPLE)).select_related(
        "period__cohort", "student"
    )
    costs = []
    for report in sample:
        with transaction.atomic():
            started = time.perf_counter()
            check_report(report)
            costs.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    print(
        f"similarity check per submitted report ({len(ids)} in the cohort, {SIMILARITY_SAMPLE} "
        f"sampled): median {duration(statistics.median(costs))}, p95 {duration(p95(costs))}"
    )


if __name__ == "__main__":
    main()
