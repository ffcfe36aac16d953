"""People: users, cohorts, projects, who plays which role, who mentors whom."""

import datetime
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# GitHub's own rule: alphanumerics and single inner hyphens, at most 39 chars.
GITHUB_LOGIN_RE = r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$"
github_login_validator = RegexValidator(GITHUB_LOGIN_RE, _("Not a valid GitHub login."))

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


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from exc


def default_required_sections() -> list[str]:
    return list(DEFAULT_REQUIRED_SECTIONS)


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

    class Meta:
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
    created_at = models.DateTimeField(auto_now_add=True)

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

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Project(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["cohort", "title"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "title"], name="unique_project_title")
        ]

    def __str__(self) -> str:
        return self.title


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    MENTOR = "mentor", _("Mentor")
    TA = "ta", _("TA")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
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

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="mentorships")
    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mentored_by")
    mentor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mentoring")

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

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
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

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
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
