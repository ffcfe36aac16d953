from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from camp.invitations import invite_users
from camp.models import ApiToken, Cohort, Invitation, Membership, Mentorship, Project, Role, User
from camp.roles import conflicting_membership, manageable_users, managed_cohorts, sync_staff_access

# Admin texts of packages whose Chinese catalogue lacks them (django-axes has
# none; Django 5.2's admin adds a few screen-reader labels). Listed here so that
# `make messages` keeps their zh-hans translations in locale/, which Django
# reads before the packages' own.
THIRD_PARTY_TEXTS = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access lock out"),
    gettext_noop("Expires At"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Not set"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Model name"),
]


class NotFoundOutsideScopeMixin:
    """Objects outside get_queryset are 404, not Django's redirect to the admin
    index, so that typing the id of someone else's row looks like a wrong id."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class CohortScopedAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """Roster rows of the cohorts the user manages (a TA's own; all for the
    superuser), so that a TA can neither see nor grant roles in another cohort."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(cohort__in=managed_cohorts(request.user))

    # Every people field: the choices offered and the ids accepted are the same set.
    user_fields = ("user", "student", "mentor")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "cohort":
            kwargs["queryset"] = managed_cohorts(request.user)
        elif db_field.name in self.user_fields:
            kwargs["queryset"] = manageable_users(request.user)
        elif db_field.name == "project":
            kwargs["queryset"] = Project.objects.filter(
                cohort__in=managed_cohorts(request.user)
            ).select_related("cohort")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.site_header = _("Camp Reports administration")
admin.site.site_title = _("Camp Reports")
admin.site.index_title = _("Reports, people and reminders")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "github_login", "display_name", "email", "is_staff", "is_active"]
    search_fields = ["username", "github_login", "display_name", "email"]
    actions = ["send_invitations"]
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
                    "chat_user_id",
                ]
            },
        ),
    )

    def get_queryset(self, request):
        # A TA reads the people of the cohorts they manage, not every account.
        return super().get_queryset(request).filter(pk__in=manageable_users(request.user))

    @admin.action(description=_("Send (or re-send) an invitation email"), permissions=["change"])
    def send_invitations(self, request, queryset):
        result = invite_users(
            list(queryset), base_url=request.build_absolute_uri("/"), sent_by=request.user
        )
        self.message_user(
            request,
            _(
                "%(sent)d invitation(s) sent, %(skipped)d skipped (with a password, inactive or without email)."
            )
            % {"sent": len(result.sent), "skipped": len(result.skipped)},
            messages.SUCCESS if result.sent else messages.WARNING,
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at", "used_at", "revoked_at", "sent_by"]
    list_select_related = ["user", "sent_by"]
    search_fields = ["user__username", "user__github_login", "user__email"]
    # The token itself is never stored; nothing here can reveal a link.
    readonly_fields = ["user", "created_at", "expires_at", "used_at", "revoked_at", "sent_by"]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        return False


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0


@admin.register(Cohort)
class CohortAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "starts_on", "ends_on", "period_days", "timezone"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProjectInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=managed_cohorts(request.user))


@admin.register(Project)
class ProjectAdmin(CohortScopedAdmin):
    list_display = ["title", "cohort"]
    list_filter = [("cohort", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title"]


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "cohort", "role", "project"]

    def clean(self):
        cleaned = super().clean()
        user, cohort, role = cleaned.get("user"), cleaned.get("cohort"), cleaned.get("role")
        if user and cohort and role:
            conflict = conflicting_membership(user, cohort.pk, role)
            if conflict is not None and conflict.pk != self.instance.pk:
                raise forms.ValidationError(
                    _(
                        "%(user)s is already %(role)s of this cohort; a student of a cohort cannot also be its mentor or TA."
                    )
                    % {"user": user, "role": conflict.get_role_display()}
                )
        return cleaned


class MentorshipForm(forms.ModelForm):
    class Meta:
        model = Mentorship
        fields = ["cohort", "student", "mentor"]

    def clean(self):
        cleaned = super().clean()
        cohort = cleaned.get("cohort")
        for field, role, message in [
            ("student", Role.STUDENT, _("Not a student of this cohort.")),
            ("mentor", Role.MENTOR, _("Not a mentor of this cohort.")),
        ]:
            person = cleaned.get(field)
            if cohort and person and not cohort.memberships.filter(user=person, role=role).exists():
                self.add_error(field, message)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(CohortScopedAdmin):
    form = MembershipForm
    list_display = ["user", "cohort", "role", "project"]
    list_filter = [("cohort", admin.RelatedOnlyFieldListFilter), "role"]
    search_fields = ["user__github_login", "user__display_name"]
    list_select_related = ["user", "cohort", "project"]
    autocomplete_fields = ["user"]

    # Staff access follows the roster wherever a role is granted or taken away.
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        sync_staff_access([obj.user])

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        sync_staff_access([obj.user])

    def delete_queryset(self, request, queryset) -> None:
        users = list(User.objects.filter(memberships__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        sync_staff_access(users)


@admin.register(Mentorship)
class MentorshipAdmin(CohortScopedAdmin):
    form = MentorshipForm
    list_display = ["student", "mentor", "cohort"]
    list_filter = [("cohort", admin.RelatedOnlyFieldListFilter)]
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
