"""The reminders in the admin: each cohort's policy, and the log of every
notification (what went out, what waits, what failed and why) with a resend
action. TAs see their own cohorts only."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from camp.celery import enqueue_after_commit
from camp.roles import managed_cohorts
from reports.models import Notification, ReminderPolicy
from reports.reminders.channels.chat import PROVIDER_HOSTS, webhook_url_allowed
from reports.reminders.delivery import resend
from reports.reminders.tasks import send_notifications


class OwnCohortFilter(admin.RelatedFieldListFilter):
    """The cohort filter offers only the cohorts the user assists."""

    def field_choices(self, field, request: HttpRequest, model_admin):
        cohorts = managed_cohorts(request.user).order_by("slug")
        return [(cohort.pk, str(cohort)) for cohort in cohorts]


STUDENT_FIELDS = ["due_soon", "due_soon_hours", "overdue", "review_posted"]
ESCALATION_FIELDS = [
    "mentor_escalation",
    "mentor_escalation_hours",
    "ta_escalation",
    "ta_escalation_hours",
    "review_pending",
    "review_pending_hours",
    "review_escalation",
    "review_escalation_hours",
]
QUIET_HOURS_FIELDS = ["quiet_start", "quiet_end"]


class ReminderPolicyForm(forms.ModelForm):
    """The webhook URL (it holds the bot's token) and the signing secret are
    write-only: never rendered back, blank keeps the stored value, a checkbox
    removes it. The URL must be https on the provider's own hosts."""

    chat_webhook_url = forms.URLField(
        label=_("chat webhook URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Leave blank to keep the current URL; it is never shown again."),
    )
    clear_chat_webhook_url = forms.BooleanField(label=_("Remove the webhook URL"), required=False)
    chat_secret = forms.CharField(
        label=_("chat signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Feishu/Lark and DingTalk: the secret of a signed webhook. "
            "Leave blank to keep the current secret."
        ),
    )
    clear_chat_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)

    class Meta:
        model = ReminderPolicy
        fields = [
            "cohort",
            "enabled",
            *STUDENT_FIELDS,
            *ESCALATION_FIELDS,
            *QUIET_HOURS_FIELDS,
            "chat_provider",
            "chat_webhook_url",
            "chat_secret",
            "github_comments",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("chat_webhook_url", "chat_secret"):
            self.initial.pop(name, None)

    def clean(self) -> dict:
        cleaned = super().clean()
        # The stored values: the instance is updated from the form only after clean().
        for name in ("chat_webhook_url", "chat_secret"):
            if self.cleaned_data.get(f"clear_{name}"):
                cleaned[name] = ""
            elif not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name)
        provider = cleaned.get("chat_provider")
        url = cleaned.get("chat_webhook_url", "")
        if provider and not url:
            self.add_error("chat_webhook_url", _("A chat provider needs a webhook URL."))
        elif provider and not webhook_url_allowed(provider, url):
            self.add_error(
                "chat_webhook_url",
                _("Enter the https address of a %(provider)s bot webhook, on %(hosts)s.")
                % {
                    "provider": ReminderPolicy.ChatProvider(provider).label,
                    "hosts": ", ".join(PROVIDER_HOSTS[provider]),
                },
            )
        return cleaned


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    form = ReminderPolicyForm
    list_display = ["cohort", "enabled", "chat_provider", "github_comments"]
    fieldsets = [
        (None, {"fields": ["cohort", "enabled"]}),
        (_("Students"), {"fields": STUDENT_FIELDS}),
        (_("Escalation"), {"fields": ESCALATION_FIELDS}),
        (_("Quiet hours (recipient's time zone)"), {"fields": QUIET_HOURS_FIELDS}),
        (
            _("Channels"),
            {
                "fields": [
                    "chat_provider",
                    "webhook_set",
                    "chat_webhook_url",
                    "clear_chat_webhook_url",
                    "secret_set",
                    "chat_secret",
                    "clear_chat_secret",
                    "github_comments",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReminderPolicy]:
        policies = super().get_queryset(request).select_related("cohort")
        if request.user.is_superuser:
            return policies
        return policies.filter(cohort__in=managed_cohorts(request.user))

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        shown = ["webhook_set", "secret_set"]
        return ["cohort", *shown] if obj is not None else shown

    @admin.display(description=_("webhook URL set"), boolean=True)
    def webhook_set(self, obj: ReminderPolicy) -> bool:
        return bool(obj.chat_webhook_url)

    @admin.display(description=_("signing secret set"), boolean=True)
    def secret_set(self, obj: ReminderPolicy) -> bool:
        return bool(obj.chat_secret)


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
        return notifications.filter(cohort__in=managed_cohorts(request.user))

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
            enqueue_after_commit(send_notifications, ids)
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
