"""Admin for the GitHub link: settings and sync state per cohort, unmatched
comments (with "this is student X"), webhook deliveries, pull requests, the
repositories the evidence collector could not read."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from camp.celery import enqueue_after_commit
from camp.models import Role, User
from camp.roles import managed_cohorts
from reports.github.ingest import map_comment_to_student
from reports.github.tasks import push_github_cohort, sync_github_cohort
from reports.github.writeback import retry_writes
from reports.models import (
    EvidenceProblem,
    GitHubPullRequest,
    GitHubSettings,
    GitHubWrite,
    UnmatchedComment,
    WebhookDelivery,
)


class TAReadOnlyMixin:
    """Superusers and the cohort's TAs may look; only what each admin adds may be changed."""

    cohort_field = "cohort"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return managed_cohorts(request.user).exists()

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.cohort_field}__in": managed_cohorts(request.user)})


class GitHubSettingsForm(forms.ModelForm):
    # Never rendered back: the field is always empty, blank keeps the stored token.
    token = forms.CharField(
        label=_("GitHub token"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave blank to keep the current token."),
    )
    clear_token = forms.BooleanField(label=_("Remove the token"), required=False)

    class Meta:
        model = GitHubSettings
        fields = ["cohort", "token", "clear_token", "create_summary_issues"]

    def save(self, commit: bool = True) -> GitHubSettings:
        row = super().save(commit=False)
        if self.cleaned_data.get("clear_token"):
            row.token = ""
        elif not self.cleaned_data.get("token"):
            stored = GitHubSettings.objects.filter(pk=row.pk).values_list("token", flat=True)
            row.token = stored.first() or ""
        if commit:
            row.save()
        return row


@admin.register(GitHubSettings)
class GitHubSettingsAdmin(TAReadOnlyMixin, admin.ModelAdmin):
    form = GitHubSettingsForm
    list_display = [
        "cohort",
        "repository",
        "token_set",
        "last_sync_finished_at",
        "last_sync_ok",
        "last_result",
    ]
    list_select_related = ["cohort"]
    readonly_fields = [
        "repository",
        "reports_path",
        "summary_tag",
        "token_set",
        "last_sync_started_at",
        "last_sync_finished_at",
        "last_sync_ok",
        "last_result",
        "last_files_left",
        "last_sync_error",
    ]
    actions = ["sync_now"]

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        editable = ["cohort", "token", "clear_token", "create_summary_issues"]
        if not self.has_change_permission(request, obj) and obj is not None:
            editable = ["cohort", "create_summary_issues"]
        return editable + self.readonly_fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        if not self.has_change_permission(request, obj):
            return ["cohort", "create_summary_issues", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description=_("repository"))
    def repository(self, obj: GitHubSettings) -> str:
        if obj.repository_renamed_from:
            return _("%(repo)s (renamed from %(old)s)") % {
                "repo": obj.cohort.github_repo or "—",
                "old": obj.repository_renamed_from,
            }
        return obj.cohort.github_repo or "—"

    @admin.display(description=_("files skipped or left for the TA"))
    def last_files_left(self, obj: GitHubSettings) -> str:
        result = obj.last_sync_result or {}
        lines = result.get("skipped_files", []) + result.get("file_problems", [])
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "—"

    @admin.display(description=_("report files path"))
    def reports_path(self, obj: GitHubSettings) -> str:
        return obj.cohort.github_reports_path or "—"

    @admin.display(description=_("summary issue tag"))
    def summary_tag(self, obj: GitHubSettings) -> str:
        return obj.cohort.github_summary_tag

    @admin.display(description=_("token set"), boolean=True)
    def token_set(self, obj: GitHubSettings) -> bool:
        return bool(obj.token)

    @admin.display(description=_("last sync result"))
    def last_result(self, obj: GitHubSettings) -> str:
        result = obj.last_sync_result or {}
        if not result:
            return "—"
        return _(
            "%(created)s reports, %(revisions)s revisions, %(reviews)s reviews, "
            "%(unmatched)s unmatched; %(requests)s requests (%(units)s units)"
        ) % {
            "created": result.get("reports_created", 0),
            "revisions": result.get("revisions_added", 0),
            "reviews": result.get("reviews_added", 0),
            "unmatched": result.get("unmatched_comments", 0),
            "requests": result.get("requests", 0),
            "units": result.get("rate_limit_units", 0),
        }

    @admin.action(description=_("Sync with GitHub now"))
    def sync_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        for row in queryset.exclude(cohort__github_repo=""):
            sync_github_cohort.delay(row.cohort_id)
        self.message_user(request, _("Sync queued."), messages.SUCCESS)


class MapToStudentForm(admin.helpers.ActionForm):
    student = forms.ModelChoiceField(
        queryset=User.objects.filter(memberships__role=Role.STUDENT).distinct(),
        required=False,
        label=_("student"),
    )


@admin.register(UnmatchedComment)
class UnmatchedCommentAdmin(TAReadOnlyMixin, admin.ModelAdmin):
    list_display = ["login", "cohort", "period", "commented_at", "excerpt", "link", "deleted_at"]
    list_filter = ["cohort"]
    search_fields = ["login", "body"]
    list_select_related = ["cohort", "period"]
    readonly_fields = [
        "cohort",
        "period",
        "login",
        "link",
        "commented_at",
        "edited_at",
        "deleted_at",
        "body",
    ]
    fields = readonly_fields
    action_form = MapToStudentForm
    actions = ["map_to_student"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Needed for the action; every field stays read-only.
        return self.has_module_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        if context.get("action_form") is not None:
            # Offer only the students of the TA's own cohorts.
            context["action_form"].fields["student"].queryset = User.objects.filter(
                memberships__role=Role.STUDENT,
                memberships__cohort__in=managed_cohorts(request.user),
            ).distinct()
        return response

    @admin.display(description=_("comment"))
    def excerpt(self, obj: UnmatchedComment) -> str:
        return obj.body if len(obj.body) <= 80 else obj.body[:80] + "…"

    @admin.display(description=_("on GitHub"))
    def link(self, obj: UnmatchedComment) -> str:
        return format_html('<a href="{}" rel="noopener">{}</a>', obj.html_url, obj.html_url)

    @admin.action(description=_("This is student X (choose the student below)"))
    def map_to_student(self, request: HttpRequest, queryset: QuerySet) -> None:
        try:
            student = MapToStudentForm.base_fields["student"].clean(request.POST.get("student"))
        except ValidationError:
            student = None
        if student is None:
            self.message_user(request, _("Choose the student first."), messages.ERROR)
            return
        mapped = 0
        for comment in queryset:
            try:
                map_comment_to_student(comment, student, by=request.user)
            except ValueError:
                self.message_user(
                    request,
                    _("%(student)s is not a student of %(cohort)s.")
                    % {"student": student, "cohort": comment.cohort},
                    messages.ERROR,
                )
                continue
            mapped += 1
        if mapped:
            self.message_user(
                request,
                _("%(count)d comments are now reports of %(student)s.")
                % {"count": mapped, "student": student},
                messages.SUCCESS,
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TAReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "delivery_id",
        "event",
        "action",
        "repository",
        "status",
        "received_at",
        "processed_at",
    ]
    list_filter = ["status", "event"]
    search_fields = ["delivery_id", "repository"]
    fields = [
        "delivery_id",
        "event",
        "action",
        "repository",
        "status",
        "received_at",
        "processed_at",
        "result",
        "error",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        # Deliveries belong to repositories; a TA sees those of their cohorts.
        repos = Q()
        for repo in (
            managed_cohorts(request.user)
            .exclude(github_repo="")
            .values_list("github_repo", flat=True)
        ):
            repos |= Q(repository__iexact=repo)
        return queryset.filter(repos) if repos else queryset.none()


@admin.register(GitHubPullRequest)
class GitHubPullRequestAdmin(TAReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "cohort",
        "author_login",
        "state",
        "merged_at",
        "ingested_sha",
        "problems",
    ]
    list_filter = ["cohort", "state"]
    search_fields = ["author_login"]
    fields = [
        "cohort",
        "number",
        "html_url",
        "author_login",
        "state",
        "merged_at",
        "report_paths",
        "problems",
        "ingested_sha",
    ]
    readonly_fields = fields


@admin.register(EvidenceProblem)
class EvidenceProblemAdmin(TAReadOnlyMixin, admin.ModelAdmin):
    """Tracked repositories GitHub would not let the evidence collector read,
    with the cohort or project that lists them: the TA corrects the name, or
    gives the token access, and the next collection clears the row."""

    list_display = ["repository", "cohort", "project", "reason", "message", "last_seen_at"]
    list_filter = [("cohort", admin.RelatedOnlyFieldListFilter), "reason"]
    list_select_related = ["cohort", "project"]
    search_fields = ["repository"]
    fields = [
        "cohort",
        "project",
        "repository",
        "reason",
        "message",
        "first_seen_at",
        "last_seen_at",
    ]
    readonly_fields = fields


@admin.register(GitHubWrite)
class GitHubWriteAdmin(TAReadOnlyMixin, admin.ModelAdmin):
    """The write-back outbox: what the app wrote or will write to GitHub. A
    failed write shows GitHub's reason (a 403 or 404 names the permissions the
    token needs) and can be retried."""

    list_display = ["key", "kind", "cohort", "state", "attempts", "link", "error"]
    list_filter = ["state", "kind", ("cohort", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["cohort"]
    search_fields = ["key", "last_error"]
    fields = [
        "cohort",
        "key",
        "kind",
        "report",
        "review",
        "state",
        "attempts",
        "retry_at",
        "last_error",
        "github_id",
        "url",
        "written_at",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description=_("on GitHub"))
    def link(self, obj: GitHubWrite) -> str:
        return format_html('<a href="{}">{}</a>', obj.url, obj.github_id) if obj.url else "—"

    @admin.display(description=_("last error"))
    def error(self, obj: GitHubWrite) -> str:
        return obj.last_error or "—"

    @admin.action(description=_("Retry the selected failed writes"))
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        cohort_ids = set(
            queryset.filter(state=GitHubWrite.State.FAILED).values_list("cohort_id", flat=True)
        )
        count = retry_writes(queryset)
        for cohort_id in cohort_ids:
            enqueue_after_commit(push_github_cohort, cohort_id)
        self.message_user(
            request, _("%(count)d writes queued again.") % {"count": count}, messages.SUCCESS
        )
