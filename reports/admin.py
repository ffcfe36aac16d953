from django.contrib import admin

from reports.github import admin as github_admin  # noqa: F401 (registers the GitHub admin)
from reports.markdown import render_markdown
from reports.models import Allowance, Period, Report, Review, Revision


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["cohort", "number", "starts_on", "ends_on", "due_at"]
    list_filter = ["cohort"]
    ordering = ["cohort", "number"]


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    fields = ["created_at", "source", "author", "body"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReviewInline(admin.StackedInline):
    model = Review
    extra = 0
    fields = ["mentor", "verdict", "body", "created_at"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["student", "period", "status", "submitted_at", "source"]
    list_filter = ["period__cohort", "status", "source"]
    search_fields = ["student__github_login", "student__display_name"]
    list_select_related = ["student", "period", "period__cohort"]
    readonly_fields = ["rendered"]
    inlines = [ReviewInline, RevisionInline]

    @admin.display(description="rendered")
    def rendered(self, obj: Report):
        return render_markdown(obj.body)


@admin.register(Allowance)
class AllowanceAdmin(admin.ModelAdmin):
    list_display = ["student", "period", "kind", "extended_due_at", "granted_by"]
    list_filter = ["kind", "period__cohort"]
    autocomplete_fields = ["student", "granted_by"]
