from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from camp.models import ApiToken, Cohort, Membership, Mentorship, Project, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "github_login", "display_name", "email", "is_staff", "is_active"]
    search_fields = ["username", "github_login", "display_name", "email"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (
            _("Camp"),
            {
                "fields": [
                    "github_login",
                    "github_id",
                    "display_name",
                    "language",
                    "timezone",
                    "email_notifications",
                ]
            },
        ),
    )


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "starts_on", "ends_on", "period_days", "timezone"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProjectInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "cohort"]
    list_filter = ["cohort"]
    search_fields = ["title"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "cohort", "role", "project"]
    list_filter = ["cohort", "role"]
    search_fields = ["user__github_login", "user__display_name"]
    list_select_related = ["user", "cohort", "project"]
    autocomplete_fields = ["user"]


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["student", "mentor", "cohort"]
    list_filter = ["cohort"]
    search_fields = ["student__github_login", "mentor__github_login"]
    list_select_related = ["student", "mentor", "cohort"]
    autocomplete_fields = ["student", "mentor"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins can see who holds tokens and revoke (delete) a leaked one; only
    the owner creates them, on their tokens page, where the secret is shown."""

    list_display = ["user", "name", "prefix", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__github_login", "name", "prefix"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
