"""People: users, cohorts, projects, who plays which role, who mentors whom."""

import datetime
import re
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# GitHub's own rule: alphanumerics and single inner hyphens, at most 39 chars.
GITHUB_LOGIN_RE = r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$"
github_login_validator = RegexValidator(GITHUB_LOGIN_RE, _("Not a valid GitHub login."))
# Chat ids go into markup (Feishu's <at user_id="...">, Slack's <@...>): letters,
# digits and _ . @ + - only.
chat_user_id_validator = RegexValidator(
    r"^[A-Za-z0-9_.@+-]+$", _("Letters, digits and _ . @ + - only.")
)

DEFAULT_REPORT_TEMPLATE = """\
### 姓名

{name}

### 实习项目

{project}

### 本周工作

1. **工作内容**

    * 请在此描述本周完成的工作

### 下周工作

1. **工作计划**

    * 请在此描述下周的工作计划

### 问题疑惑与解答

* 暂无
"""

DEFAULT_REQUIRED_SECTIONS = ["姓名", "实习项目", "本周工作", "下周工作"]
# Where reports list what blocks the student (the ERNIEPartner template's 当前阻塞)
# and what they asked; a heading, or a bold label of a list item, containing one.
DEFAULT_BLOCKER_SECTIONS = ["当前阻塞", "遇到的问题", "Blockers"]
DEFAULT_QUESTION_SECTIONS = ["问题疑惑与解答", "Questions"]

GITHUB_REPO_RE = r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$"


def validate_repositories(value: object) -> None:
    """A list of distinct `owner/name` strings (tracked for students' GitHub work)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Expected a list of owner/name repositories."))
    for item in value:
        if not re.fullmatch(GITHUB_REPO_RE, item):
            raise ValidationError(_("%(repo)s is not owner/name."), params={"repo": item})


def default_repositories() -> list[str]:
    return []


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from exc


def default_required_sections() -> list[str]:
    return list(DEFAULT_REQUIRED_SECTIONS)


def default_blocker_sections() -> list[str]:
    return list(DEFAULT_BLOCKER_SECTIONS)


def default_question_sections() -> list[str]:
    return list(DEFAULT_QUESTION_SECTIONS)


class User(AbstractUser):
    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    github_login = models.CharField(  # noqa: DJ001 (NULL keeps many login-less users unique)
        _("GitHub login"),
        max_length=39,
        blank=True,
        null=True,
        validators=[github_login_validator],
        help_text=_("Case-insensitive and unique; how the camp knows this person."),
    )
    github_id = models.BigIntegerField(_("GitHub user id"), null=True, blank=True, unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    email_notifications = models.BooleanField(_("email notifications"), default=True)
    chat_user_id = models.CharField(
        _("chat user id"),
        max_length=100,
        blank=True,
        validators=[chat_user_id_validator],
        help_text=_(
            "Your id in the camp's group chat, so that reminders there mention you: "
            "Feishu/Lark open_id or user_id, DingTalk user id or mobile number, "
            "WeCom user id or mobile number, Slack member id (U…)."
        ),
    )

    class Meta:
        # Not inherited from AbstractUser.Meta: without these the admin says "Users".
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("github_login"),
                name="unique_github_login_ci",
                violation_error_message=_("A user with this GitHub login already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.github_login or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.github_login or self.username

    def save(self, *args, **kwargs) -> None:
        # NULL, not "", so that many users without a login do not collide.
        if not self.github_login:
            self.github_login = None
        super().save(*args, **kwargs)


class Cohort(models.Model):
    class Visibility(models.TextChoices):
        COHORT = "cohort", _("Students of the cohort see each other's submitted reports")
        PRIVATE = "private", _("Only the student, their mentors and the TAs")

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    starts_on = models.DateField(_("starts on"), help_text=_("First day of period 1."))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    period_days = models.PositiveSmallIntegerField(_("period length (days)"), default=14)
    due_days_after_end = models.PositiveSmallIntegerField(
        _("due days after a period's end"),
        default=1,
        help_text=_("A report is due at the due time, this many days after its period's last day."),
    )
    due_time = models.TimeField(_("due time (local)"), default=datetime.time(23, 59))
    report_template = models.TextField(_("report template"), default=DEFAULT_REPORT_TEMPLATE)
    required_sections = models.JSONField(
        _("required sections"), default=default_required_sections, blank=True
    )
    blocker_sections = models.JSONField(
        _("blocker sections"),
        default=default_blocker_sections,
        blank=True,
        help_text=_("Titles of the report's section that lists what blocks the student."),
    )
    question_sections = models.JSONField(
        _("question sections"),
        default=default_question_sections,
        blank=True,
        help_text=_("Titles of the report's section of questions and answers."),
    )
    report_visibility = models.CharField(
        _("report visibility"), max_length=10, choices=Visibility.choices, default=Visibility.COHORT
    )
    github_repo = models.CharField(
        _("GitHub repository"), max_length=200, blank=True, help_text="owner/name"
    )
    github_reports_path = models.CharField(_("report files path"), max_length=300, blank=True)
    github_summary_tag = models.CharField(
        _("summary issue tag"), max_length=100, default="[WeeklyReports]"
    )
    github_write_back = models.BooleanField(
        _("write back to GitHub"),
        default=False,
        help_text=_(
            "Post reviews where their reports came from and publish web reports on the "
            "summary issue (the token needs issues: write and pull_requests: write)."
        ),
    )
    repositories = models.JSONField(
        _("tracked repositories"),
        default=default_repositories,
        blank=True,
        validators=[validate_repositories],
        help_text=_(
            "owner/name of the repositories where students' pull requests, reviews and "
            'issues count as their work, e.g. ["PaddlePaddle/Paddle"].'
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves with every change a page of the cohort shows (mark_cohort_changed), so
    # a cached page keyed by it is never stale. save() never writes it back.
    data_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-starts_on", "slug"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_days__gte=1), name="cohort_period_days_positive"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        adding = self._state.adding
        if not adding and kwargs.get("update_fields") is None:
            # An instance read before a report arrived holds the old data_version;
            # writing it back would bring pages cached under it back to life.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "data_version"
            ]
        super().save(*args, **kwargs)
        if not adding:
            mark_cohort_changed(self.pk)

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def mark_cohorts_changed(cohorts: models.QuerySet[Cohort]) -> None:
    """Move the data_version of these cohorts: what their pages show has changed.

    Saves and deletions of the models the pages read call it through signals
    (reports.models); writes that bypass them (bulk_create, QuerySet.update) call
    it themselves. Inside the writer's transaction, so the version moves exactly
    when the change becomes visible."""
    cohorts.update(data_version=F("data_version") + 1)


def mark_cohort_changed(*cohort_ids: int) -> None:
    """mark_cohorts_changed for cohorts by id."""
    if cohort_ids:
        mark_cohorts_changed(Cohort.objects.filter(pk__in=cohort_ids))


class Project(models.Model):
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="projects", verbose_name=_("cohort")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    repositories = models.JSONField(
        _("tracked repositories"),
        default=default_repositories,
        blank=True,
        validators=[validate_repositories],
        help_text=_(
            "Tracked in addition to the cohort's repositories; the first one resolves #123."
        ),
    )

    class Meta:
        ordering = ["cohort", "title"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "title"], name="unique_project_title")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tracked_repositories(self) -> list[str]:
        """The project's repositories first, then the cohort's, each once."""
        return list(dict.fromkeys([*self.repositories, *self.cohort.repositories]))


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    MENTOR = "mentor", _("Mentor")
    TA = "ta", _("TA")


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("cohort")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("project"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cohort", "role", "user__github_login"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "cohort", "role"], name="unique_membership"),
            models.CheckConstraint(
                condition=Q(role=Role.STUDENT) | Q(project__isnull=True),
                name="only_students_have_a_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.cohort.slug}"

    def clean(self) -> None:
        if self.project_id and self.project.cohort_id != self.cohort_id:
            raise ValidationError({"project": _("The project belongs to another cohort.")})


class Mentorship(models.Model):
    """A mentor assigned to a student in one cohort (a student may have several)."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="mentorships", verbose_name=_("cohort")
    )
    student = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="mentored_by", verbose_name=_("student")
    )
    mentor = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="mentoring", verbose_name=_("mentor")
    )

    class Meta:
        verbose_name = _("mentor assignment")
        verbose_name_plural = _("mentor assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "student", "mentor"], name="unique_mentorship"
            ),
            models.CheckConstraint(
                condition=~Q(student=models.F("mentor")), name="mentor_is_not_own_student"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.student} ({self.cohort.slug})"


class Invitation(models.Model):
    """A one-time link for a rostered person to set their password.

    Only a hash of the token is stored; re-sending replaces the previous link."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("user")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored: the token itself is
    shown once, when it is created, and cannot be recovered afterwards."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"


class CalendarFeed(models.Model):
    """A person's private calendar address. Only a SHA-256 digest of its secret is
    stored: the address is shown once; resetting makes a new one, stopping
    deletes it, and either way the old address answers 404."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("user")
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"
