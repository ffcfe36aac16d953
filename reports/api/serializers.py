"""What the API shows and accepts. Reading is plain serialisation; writing only
validates input here, the views hand it to the domain functions."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from camp.models import Cohort, Membership, Project, User
from reports.github.evidence import report_evidence_record
from reports.markdown import render_markdown
from reports.models import Allowance, Period, ReferenceCheck, Report, Review, SearchDocument
from reports.overview.grid import MentorLatency, Overview, WaitingReview
from reports.reviews import MAX_REVIEW_LENGTH
from reports.status import State, period_start_instant, report_state
from reports.writing import MAX_BODY_CHARS

# Ids are BigAutoField: a larger number can name nothing.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "example": "23:59:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the cohort's time zone. Not OpenAPI's `time`
    format, which is RFC 3339 full-time and so requires a UTC offset."""


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class OptionalURLField(serializers.URLField):
    """A URL that may be absent: null rather than "", which is not a URI."""

    def to_representation(self, value: str) -> str | None:
        return value or None


class UserBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "github_login", "name"]


class MembershipSerializer(serializers.ModelSerializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["cohort", "role", "project"]


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "github_login",
            "name",
            "email",
            "language",
            "timezone",
            "is_superuser",
            "memberships",
        ]


class CohortSerializer(serializers.ModelSerializer):
    required_sections = serializers.ListField(child=serializers.CharField(), read_only=True)
    due_time = LocalTimeField(read_only=True, help_text="Local time in the cohort's time zone.")

    class Meta:
        model = Cohort
        fields = [
            "slug",
            "name",
            "timezone",
            "starts_on",
            "ends_on",
            "period_days",
            "due_days_after_end",
            "due_time",
            "report_visibility",
            "report_template",
            "required_sections",
            "github_repo",
        ]


class ProjectSerializer(serializers.ModelSerializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Project
        fields = ["id", "cohort", "title", "description"]


class PeriodSerializer(serializers.ModelSerializer):
    cohort = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    summary_issue_url = OptionalURLField(read_only=True)

    class Meta:
        model = Period
        fields = ["id", "cohort", "number", "starts_on", "ends_on", "due_at", "summary_issue_url"]


class PeriodBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "number", "starts_on", "ends_on", "due_at"]


class ReferenceSerializer(serializers.Serializer):
    ref = serializers.CharField(help_text="owner/repo#number")
    state = serializers.ChoiceField(choices=ReferenceCheck.State.choices)
    by_student = serializers.BooleanField()
    reviewed_by_student = serializers.BooleanField()


class EvidenceCountsSerializer(serializers.Serializer):
    prs_opened = serializers.IntegerField(allow_null=True)
    prs_merged = serializers.IntegerField(allow_null=True)
    reviews_given = serializers.IntegerField(allow_null=True)
    issues_opened = serializers.IntegerField(allow_null=True)


class EvidenceSerializer(EvidenceCountsSerializer):
    references = ReferenceSerializer(many=True)


class WorkItemSerializer(serializers.Serializer):
    repo = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    state = serializers.CharField()
    url = serializers.CharField()
    author = serializers.CharField(allow_blank=True)
    created_at = serializers.CharField(allow_null=True)
    merged_at = serializers.CharField(allow_null=True)
    closed_at = serializers.CharField(allow_null=True)


class StudentEvidenceSerializer(serializers.Serializer):
    student = serializers.CharField()
    period = serializers.IntegerField()
    fetched_at = serializers.CharField(allow_null=True)
    final = serializers.BooleanField()
    prs_opened = serializers.IntegerField()
    prs_merged = serializers.IntegerField()
    reviews_given = serializers.IntegerField()
    issues_opened = serializers.IntegerField()
    items = serializers.DictField(child=WorkItemSerializer(many=True))


class CohortEvidenceSerializer(serializers.Serializer):
    cohort = serializers.CharField()
    period = serializers.IntegerField()
    students = StudentEvidenceSerializer(many=True)


class BlockerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    opened_period = serializers.IntegerField(
        source="opened_period.number",
        help_text="The period (number) of the report that named it first.",
    )
    last_seen_period = serializers.IntegerField(source="last_seen_period.number")
    opened_at = serializers.DateTimeField()
    resolved = serializers.SerializerMethodField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    issue_url = OptionalURLField()

    @extend_schema_field(serializers.BooleanField())
    def get_resolved(self, blocker) -> bool:
        return blocker.resolved_at is not None


class SimilarSerializer(serializers.Serializer):
    report = serializers.IntegerField(source="other_id", help_text="The similar report's id.")
    score = serializers.FloatField(help_text="Jaccard similarity of the two texts, 0 to 1.")


class ReportSerializer(serializers.ModelSerializer):
    cohort = serializers.SlugRelatedField(source="period.cohort", slug_field="slug", read_only=True)
    period = PeriodBriefSerializer(read_only=True)
    student = UserBriefSerializer(read_only=True)
    body_html = serializers.SerializerMethodField(
        help_text="The body rendered from Markdown and sanitised."
    )
    source_url = OptionalURLField(read_only=True)
    evidence = serializers.SerializerMethodField(
        help_text="The student's GitHub work in the period (counts are null until "
        "collected) and the issues and pull requests the report references, checked."
    )
    blockers = BlockerSerializer(
        many=True,
        read_only=True,
        source="blocker_list",
        help_text="The blockers this report named first (reports.blockers).",
    )
    similar_to = serializers.SerializerMethodField(
        help_text="Reports that read very much like this one: shown to those who may "
        "review it and read the other (its mentors, the TAs); empty for anyone else."
    )
    state = serializers.SerializerMethodField(
        help_text="Where the report stands (reports.status.State): on_time, late, "
        "needs_changes, resubmitted (changed since its latest review, waiting for a "
        "re-review), reviewed, draft. Verdicts count only from reviews the caller may read."
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "cohort",
            "period",
            "student",
            "status",
            "state",
            "submitted_at",
            "body",
            "body_html",
            "source",
            "source_url",
            "problems",
            "claimed_start",
            "claimed_end",
            "created_at",
            "updated_at",
            "evidence",
            "blockers",
            "similar_to",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, report: Report) -> str:
        return str(render_markdown(report.body))

    @extend_schema_field(SimilarSerializer(many=True))
    def get_similar_to(self, report: Report) -> list:
        # The view prefetches the flags the caller may see (similar_list).
        return SimilarSerializer(getattr(report, "similar_list", []), many=True).data

    @extend_schema_field(EvidenceSerializer)
    def get_evidence(self, report: Report) -> dict:
        return report_evidence_record(report)

    @extend_schema_field(serializers.ChoiceField(choices=State.choices))
    def get_state(self, report: Report) -> str:
        # The view annotates the verdict and the student's allowance (one query
        # for the whole page).
        allowance = None
        if report.allowance_kind:
            allowance = Allowance(
                kind=report.allowance_kind, extended_due_at=report.allowance_extended_due_at
            )
        return report_state(
            period=report.period,
            report=report,
            allowance=allowance,
            verdict=report.latest_verdict,
            now=timezone.now(),
            show_drafts=True,
            revised_after_review=report.revised_after_review,
        ).value


class ReportUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=MAX_BODY_CHARS,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Markdown.",
    )
    submit = serializers.BooleanField(
        default=False,
        help_text="Submit the report. Submitting is one-way: a submitted report stays "
        "submitted and keeps its first submission time.",
    )
    accept_warnings = serializers.BooleanField(
        default=False,
        help_text="Submit even though the checks warn (as the web form's \"submit "
        'anyway"). Errors (a required section missing or empty) always refuse.',
    )


class ReportCreateSerializer(ReportUpdateSerializer):
    """The period is named by its id, or by the cohort's slug and its number."""

    period = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Period id."
    )
    cohort = serializers.SlugField(required=False, help_text="Cohort slug, with period_number.")
    period_number = serializers.IntegerField(required=False, min_value=1, max_value=32767)

    def validate(self, attrs: dict) -> dict:
        by_id = "period" in attrs
        by_number = "cohort" in attrs or "period_number" in attrs
        if by_id == by_number:
            raise serializers.ValidationError(
                _("Give either period (an id) or both cohort and period_number.")
            )
        if by_number and not ("cohort" in attrs and "period_number" in attrs):
            raise serializers.ValidationError(_("Give both cohort and period_number."))
        periods = self.context["writable_periods"]
        if by_id:
            period = periods.filter(pk=attrs.pop("period")).first()
        else:
            period = periods.filter(
                cohort__slug=attrs.pop("cohort"), number=attrs.pop("period_number")
            ).first()
        if period is None:
            raise serializers.ValidationError(
                _("No such period in a cohort where you are a student.")
            )
        if timezone.now() < period_start_instant(period):
            raise serializers.ValidationError(
                _("Period %(number)s has not started yet.") % {"number": period.number}
            )
        attrs["period"] = period
        return attrs


class ReviewSerializer(serializers.ModelSerializer):
    mentor = UserBriefSerializer(read_only=True)
    body_html = serializers.SerializerMethodField(
        help_text="The review rendered from Markdown and sanitised."
    )

    class Meta:
        model = Review
        fields = ["id", "report", "mentor", "verdict", "body", "body_html", "source", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, review: Review) -> str:
        return str(render_markdown(review.body))


class ReviewCreateSerializer(serializers.Serializer):
    report = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Report id.")
    verdict = serializers.ChoiceField(choices=Review.Verdict.choices)
    body = serializers.CharField(
        max_length=MAX_REVIEW_LENGTH, allow_blank=True, default="", help_text="Markdown."
    )


# --- The overview of a cohort (reports.overview), read-only ---------------------------


class OverviewColumnSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="period.id")
    number = serializers.IntegerField(source="period.number")
    starts_on = serializers.DateField(source="period.starts_on")
    ends_on = serializers.DateField(source="period.ends_on")
    due_at = serializers.DateTimeField(source="period.due_at")
    started = serializers.BooleanField()
    current = serializers.BooleanField()
    submitted = serializers.IntegerField(source="completion.submitted")
    expected = serializers.IntegerField(
        source="completion.expected", help_text="Students not excused for the period."
    )
    percent = serializers.IntegerField(source="completion.percent", allow_null=True)


class OverviewCellSerializer(serializers.Serializer):
    period = serializers.IntegerField(source="period.number", help_text="Period number.")
    state = serializers.ChoiceField(choices=State.choices)
    report = serializers.IntegerField(source="report_id", allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    days_late = serializers.IntegerField(allow_null=True)
    pending_pull_request = serializers.URLField(
        source="pending_url",
        allow_null=True,
        help_text="An open pull request with this report on GitHub (not counted as submitted).",
    )


class OverviewRowSerializer(serializers.Serializer):
    student = UserBriefSerializer()
    mentors = UserBriefSerializer(many=True)
    cells = OverviewCellSerializer(many=True)


class OverviewProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="project_id", allow_null=True)
    title = serializers.CharField()
    mentors = UserBriefSerializer(many=True)
    students = OverviewRowSerializer(source="rows", many=True)


class WaitingReviewSerializer(serializers.Serializer):
    student = UserBriefSerializer(source="row.student")
    period = serializers.IntegerField(source="cell.period.number")
    report = serializers.IntegerField(source="cell.report_id")
    waiting_seconds = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField())
    def get_waiting_seconds(self, waiting: WaitingReview) -> int:
        return int(waiting.waiting.total_seconds())


class MentorLatencySerializer(serializers.Serializer):
    mentor = UserBriefSerializer()
    reviewed = serializers.IntegerField(help_text="Reports of their students they reviewed.")
    median_seconds = serializers.SerializerMethodField(
        help_text="Median time from submission to their first review."
    )
    waiting = serializers.IntegerField(
        help_text="Reports of their students waiting for review: never reviewed, or changed since their latest review."
    )

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_median_seconds(self, latency: MentorLatency) -> int | None:
        return int(latency.median.total_seconds()) if latency.median is not None else None


class OverviewSerializer(serializers.Serializer):
    cohort = serializers.CharField(source="cohort.slug")
    now = serializers.DateTimeField()
    current_period = serializers.IntegerField(source="current_period.number", allow_null=True)
    last_due_period = serializers.IntegerField(
        source="last_due_period.number",
        allow_null=True,
        help_text="The latest period whose due time has passed.",
    )
    periods = OverviewColumnSerializer(source="columns", many=True)
    projects = OverviewProjectSerializer(source="groups", many=True)
    missing_now = serializers.SerializerMethodField(
        help_text="Students missing the report of the last due period."
    )
    not_submitted_current = serializers.SerializerMethodField(
        help_text="Students who have not submitted for the current period yet."
    )
    waiting_review = WaitingReviewSerializer(many=True)
    mentor_latency = MentorLatencySerializer(many=True)

    @extend_schema_field(UserBriefSerializer(many=True))
    def get_missing_now(self, overview: Overview) -> list:
        return UserBriefSerializer([row.student for row in overview.missing_now], many=True).data

    @extend_schema_field(UserBriefSerializer(many=True))
    def get_not_submitted_current(self, overview: Overview) -> list:
        rows = overview.not_submitted_current
        return UserBriefSerializer([row.student for row in rows], many=True).data


class PeriodSummarySerializer(serializers.Serializer):
    cohort = serializers.CharField()
    period = serializers.IntegerField(help_text="Period number.")
    markdown = serializers.CharField(help_text="The checklist, as published to GitHub.")
    html = serializers.CharField(help_text="The same, rendered and sanitised.")


SEARCH_KINDS = SearchDocument.Kind.choices


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SEARCH_KINDS)
    id = serializers.IntegerField(
        help_text="The id of the report, review, reply, blocker or Q&A entry."
    )
    url = serializers.CharField(help_text="Where it is shown in the app.")
    snippet = serializers.CharField(
        help_text="HTML: the text around the match, escaped, matches in <mark>."
    )
    report = serializers.IntegerField(source="report_id")
    cohort = serializers.CharField(source="cohort_name")
    period = serializers.IntegerField(source="period_number")
    student = serializers.CharField()
    written_at = serializers.DateTimeField()


class SearchResponseSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
