"""Demo data: a cohort with projects, people and a realistic mix of reports.

Built with bulk writes so that benchmark-sized cohorts (500 students x 26
periods) seed in seconds, and keyed on natural keys so a rerun adds nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from camp.models import Cohort, Membership, Mentorship, Project, Role, User, mark_cohort_changed
from camp.roles import sync_staff_access
from reports.models import Period, Report, Review, Revision, Source
from reports.periods import ensure_periods

PROJECT_TOPICS = [
    "项目一：算子补全与兼容机制建设",
    "项目二：编译器后端性能优化",
    "项目三：分布式训练自动并行",
    "项目四：文档与示例体系建设",
    "项目五：推理部署工具链",
    "项目六：单测覆盖率提升",
    "项目七：类型标注与静态检查",
    "项目八：模型套件迁移",
]
WORK_DONE = [
    "完成了 `{topic}` 相关 PR 的代码评审意见修改",
    "阅读了调度模块的源码并整理了笔记",
    "为新增接口补充了单元测试，覆盖率提升到 85%",
    "定位并修复了一个在 GPU 上偶现的精度问题",
    "和导师讨论了下一阶段的技术方案",
    "整理了性能对比数据，提升约 12%",
]
NEXT_PLAN = [
    "继续推进 PR 合入",
    "补充文档和使用示例",
    "调研相关开源实现",
    "完成剩余算子的适配",
]
QUESTIONS = ["暂无", "CI 偶尔超时，已请教导师，原因是缓存失效", "如何在本地复现多卡环境？"]
REVIEWS = [
    "进展不错，继续保持。",
    "LGTM，注意 PR 描述写清楚动机。",
    "本周工作扎实，下周请优先合入已有 PR。",
]


@dataclass
class DemoResult:
    cohort: Cohort
    users_created: int
    reports_created: int


def demo_body(name: str, project: str, rng: random.Random) -> str:
    done = rng.sample(WORK_DONE, 2)
    return (
        f"### 姓名\n\n{name}\n\n### 实习项目\n\n{project}\n\n### 本周工作\n\n"
        f"1. **{done[0].format(topic=project[:4])}**\n\n    * {done[1].format(topic=project[:4])}\n\n"
        f"### 下周工作\n\n1. {rng.choice(NEXT_PLAN)}\n\n"
        f"### 问题疑惑与解答\n\n* {rng.choice(QUESTIONS)}\n"
    )


@transaction.atomic
def seed_demo(
    *,
    slug: str = "demo",
    students: int = 12,
    mentors: int = 4,
    periods: int = 8,
    password: str = "demo",
    seed: int = 2024,
    now: datetime.datetime | None = None,
) -> DemoResult:
    now = now or timezone.now()
    rng = random.Random(seed)
    cohort = _demo_cohort(slug, periods, now)
    password_hash = make_password(password)  # hashed once: hashing per user would take minutes

    people = _ensure_users(
        [("admin", "管理员 Admin", True)]
        + [("ta", "助教 TA", False)]
        + [(f"mentor{i}", f"导师{i}", False) for i in range(1, mentors + 1)]
        + [(f"student{i}", f"学员{i}", False) for i in range(1, students + 1)],
        password_hash,
    )
    users_created = people.pop("__created__")
    projects = _ensure_projects(cohort, max(1, min(len(PROJECT_TOPICS), students // 5 or 1)))
    student_users = [people[f"student{i}"] for i in range(1, students + 1)]
    mentor_users = [people[f"mentor{i}"] for i in range(1, mentors + 1)]

    memberships = [Membership(user=people["ta"], cohort=cohort, role=Role.TA)]
    memberships += [Membership(user=m, cohort=cohort, role=Role.MENTOR) for m in mentor_users]
    mentorships = []
    for index, student in enumerate(student_users):
        memberships.append(
            Membership(
                user=student,
                cohort=cohort,
                role=Role.STUDENT,
                project=projects[index % len(projects)],
            )
        )
        if mentor_users:
            mentorships.append(
                Mentorship(
                    cohort=cohort, student=student, mentor=mentor_users[index % len(mentor_users)]
                )
            )
            if index % 4 == 3 and len(mentor_users) > 1:
                second = mentor_users[(index + 1) % len(mentor_users)]
                mentorships.append(Mentorship(cohort=cohort, student=student, mentor=second))
    Membership.objects.bulk_create(memberships, ignore_conflicts=True)
    Mentorship.objects.bulk_create(mentorships, ignore_conflicts=True)
    sync_staff_access([people["ta"], *mentor_users])

    reports_created = _seed_reports(cohort, student_users, projects, now, rng)
    mark_cohort_changed(cohort.pk)  # written in bulk, past the signals
    return DemoResult(cohort, users_created, reports_created)


def _demo_cohort(slug: str, periods: int, now: datetime.datetime) -> Cohort:
    cohort = Cohort.objects.filter(slug=slug).first()
    if cohort is None:
        period_days = 14
        today = timezone.localdate(now)
        past = max(1, (periods * 2) // 3)
        starts_on = today - datetime.timedelta(days=past * period_days - 3)
        cohort = Cohort.objects.create(
            slug=slug,
            name="护航计划演示营 Demo Camp",
            starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(days=periods * period_days - 1),
            period_days=period_days,
            # No GitHub repository: the demo runs offline, and beat would
            # otherwise poll a repository that does not exist.
        )
    ensure_periods(cohort)
    return cohort


def _ensure_users(specs: list[tuple[str, str, bool]], password_hash: str) -> dict:
    logins = [login for login, _, _ in specs]
    existing = {u.username: u for u in User.objects.filter(username__in=logins)}
    new = [
        User(
            username=login,
            github_login=None if superuser else login,
            display_name=name,
            email=f"{login}@example.org",
            password=password_hash,
            is_superuser=superuser,
            is_staff=superuser,
        )
        for login, name, superuser in specs
        if login not in existing
    ]
    User.objects.bulk_create(new)
    people = {u.username: u for u in User.objects.filter(username__in=logins)}
    people["__created__"] = len(new)
    return people


def _ensure_projects(cohort: Cohort, count: int) -> list[Project]:
    titles = PROJECT_TOPICS[:count]
    Project.objects.bulk_create(
        [Project(cohort=cohort, title=t) for t in titles], ignore_conflicts=True
    )
    by_title = {p.title: p for p in cohort.projects.filter(title__in=titles)}
    return [by_title[t] for t in titles]


def _seed_reports(
    cohort: Cohort,
    students: list[User],
    projects: list[Project],
    now: datetime.datetime,
    rng: random.Random,
) -> int:
    period_rows = list(
        cohort.periods.filter(starts_on__lte=timezone.localdate(now)).order_by("number")
    )
    existing = set(
        Report.objects.filter(period__cohort=cohort).values_list("student_id", "period_id")
    )
    mentors_of: dict[int, list[int]] = {}
    for student_id, mentor_id in Mentorship.objects.filter(cohort=cohort).values_list(
        "student_id", "mentor_id"
    ):
        mentors_of.setdefault(student_id, []).append(mentor_id)

    plans = []
    for index, student in enumerate(students):
        project = projects[index % len(projects)].title
        diligence = rng.random()
        for period in period_rows:
            # Drawn even for reports that exist, so a rerun makes the same choices.
            plan = _plan(period, now, diligence, rng)
            body = demo_body(student.name, project, rng)
            if plan is not None and (student.pk, period.pk) not in existing:
                plans.append((student, period, plan, body))

    reports = Report.objects.bulk_create(
        [
            Report(
                student=student,
                period=period,
                body=body,
                status=Report.Status.DRAFT
                if plan["submitted_at"] is None
                else Report.Status.SUBMITTED,
                submitted_at=plan["submitted_at"],
                source=plan["source"],
            )
            for student, period, plan, body in plans
        ],
        batch_size=2000,
    )
    plan_by_key = {(s.pk, p.pk): plan for s, p, plan, _ in plans}
    revisions, reviews = [], []
    for report in reports:
        plan = plan_by_key[(report.student_id, report.period_id)]
        written = plan["submitted_at"] or plan["drafted_at"]
        revisions.append(
            Revision(
                report=report,
                body=report.body,
                author_id=report.student_id,
                source=report.source,
                created_at=written,
            )
        )
        mentors = mentors_of.get(report.student_id)
        if plan["review"] and mentors:
            reviews.append(
                Review(
                    report=report,
                    mentor_id=mentors[0],
                    body=rng.choice(REVIEWS),
                    verdict=plan["review"],
                    created_at=min(now, written + datetime.timedelta(hours=rng.randint(6, 96))),
                )
            )
    Revision.objects.bulk_create(revisions, batch_size=2000)
    Review.objects.bulk_create(reviews, batch_size=2000)
    return len(reports)


def _plan(
    period: Period, now: datetime.datetime, diligence: float, rng: random.Random
) -> dict | None:
    """What happened to one student's report for one period, or None for missing."""
    due = period.due_at
    if due > now:  # the open period: some early birds, some drafts
        roll = rng.random()
        if roll < 0.3:
            return {
                "submitted_at": min(now, due) - datetime.timedelta(hours=rng.randint(1, 30)),
                "drafted_at": None,
                "source": Source.WEB,
                "review": None,
            }
        if roll < 0.5:
            return {
                "submitted_at": None,
                "drafted_at": now - datetime.timedelta(hours=rng.randint(1, 48)),
                "source": Source.WEB,
                "review": None,
            }
        return None
    roll = rng.random() * (0.6 + diligence * 0.4)
    if roll < 0.1:
        return None
    late = roll < 0.22
    submitted_at = (
        due + datetime.timedelta(hours=rng.randint(2, 72))
        if late
        else due - datetime.timedelta(hours=rng.randint(1, 72))
    )
    submitted_at = min(submitted_at, now - datetime.timedelta(minutes=5))
    review_roll = rng.random()
    review = None
    if review_roll < 0.6:
        review = Review.Verdict.APPROVED
    elif review_roll < 0.68:
        review = Review.Verdict.NEEDS_CHANGES
    elif review_roll < 0.75:
        review = Review.Verdict.COMMENT
    source = Source.GITHUB_COMMENT if rng.random() < 0.2 else Source.WEB
    return {"submitted_at": submitted_at, "drafted_at": None, "source": source, "review": review}
