"""The reminders in the admin: each cohort's policy, and the log of every
notification (what went out, what waits, what failed and why) with a resend
action. TAs see their own cohorts only."""

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from camp.models import Cohort, Role
from reports.access import cohorts_where
from reports.models import Notification, ReminderPolicy
from reports.notify import resend
from reports.tasks import send_notifications


def _ta_cohorts(request: HttpRequest):
    return cohorts_where(request.user, Role.TA)


class OwnCohortFilter(admin.RelatedFieldListFilter):
    """The cohort filter offers only the cohorts the user assists."""

    def field_choices(self, field, request: HttpRequest, model_admin):
        cohorts = Cohort.objects.all() if request.user.is_superuser else _ta_cohorts(request)
        return [(cohort.pk, str(cohort)) for cohort in cohorts.order_by("slug")]


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["cohort", "enabled", "chat_provider", "github_comments"]
    fieldsets = [
        (None, {"fields": ["cohort", "enabled"]}),
        (
            _("Students"),
            {"fields": ["due_soon", "due_soon_hours", "overdue", "review_posted"]},
        ),
        (
            _("Escalation"),
            {
                "fields": [
                    "mentor_escalation",
                    "mentor_escalation_hours",
                    "ta_escalation",
                    "ta_escalation_hours",
                    "review_pending",
                    "review_pending_hours",
                    "review_escalation",
                    "review_escalation_hours",
                ]
            },
        ),
        (_("Quiet hours (recipient's time zone)"), {"fields": ["quiet_start", "quiet_end"]}),
        (
            _("Channels"),
            {"fields": ["chat_provider", "chat_webhook_url", "chat_secret", "github_comments"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReminderPolicy]:
        policies = super().get_queryset(request).select_related("cohort")
        if request.user.is_superuser:
            return policies
        return policies.filter(cohort__in=_ta_cohorts(request))

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["cohort"] if obj is not None else []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # webhook URLs are https
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The log of every reminder: what went out, what is waiting, what failed and why."""

    list_display = [
        "created_at",
        "recipient",
        "kind",
        "channel",
        "cohort",
        "period",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind", "channel", ("cohort", OwnCohortFilter)]
    search_fields = ["recipient__github_login", "recipient__username", "error"]
    list_select_related = ["recipient", "cohort", "period"]
    date_hierarchy = "created_at"
    actions = ["resend_failed"]
    fields = [
        "recipient",
        "cohort",
        "kind",
        "channel",
        "period",
        "report",
        "about",
        "status",
        "attempts",
        "created_at",
        "claimed_at",
        "retry_at",
        "sent_at",
        "error",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        notifications = super().get_queryset(request)
        if request.user.is_superuser:
            return notifications
        return notifications.filter(cohort__in=_ta_cohorts(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    @admin.display(description=_("last error"))
    def short_error(self, obj: Notification) -> str:
        return Truncator(obj.error).chars(80)

    @admin.action(description=_("Resend the selected failed notifications"), permissions=["change"])
    def resend_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        ids = resend(queryset.filter(status=Notification.Status.FAILED))
        if ids:
            transaction.on_commit(lambda: send_notifications.delay(ids))
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued again.",
                "%(count)d notifications queued again.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS if ids else messages.WARNING,
        )
