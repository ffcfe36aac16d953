"""The API's endpoints: thin viewsets over the querysets of reports.access and
the write path of reports.submissions."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from camp.models import Cohort, Project, Role, User
from camp.roles import cohorts_where
from reports.access import overview_students, reviewable_reports, visible_reports, visible_reviews
from reports.api import filters, serializers
from reports.api.permissions import ReportPermission, ReviewPermission
from reports.github.evidence import cohort_evidence, with_evidence
from reports.markdown import render_markdown
from reports.models import Allowance, Blocker, Period, Report, Review, SimilarityFlag, Source
from reports.overview.grid import build_overview, user_sort_key
from reports.overview.summary import period_summary
from reports.reviews import add_review
from reports.search.forms import SearchForm
from reports.search.querying import search
from reports.status import with_review_facts
from reports.submissions import SaveResult
from reports.writing import SubmitRefused, write_report

MEMBER_ROLES = (Role.STUDENT, Role.MENTOR, Role.TA)


def member_cohorts(user: User) -> QuerySet[Cohort]:
    if user.is_superuser:
        return Cohort.objects.all()
    return cohorts_where(user, *MEMBER_ROLES)


API_ENDPOINTS = ["me", "cohorts", "projects", "periods", "reports", "reviews", "search"]


def api_root(request: HttpRequest) -> HttpResponse:
    """What the API offers: for a browser, a page of the app in its language that
    links the docs, the schema and the tokens; for a client, the endpoints as JSON."""
    endpoints = {
        name: request.build_absolute_uri(f"{request.path}{name}/") for name in API_ENDPOINTS
    }
    if "text/html" not in request.headers.get("Accept", ""):
        return JsonResponse(endpoints)
    return render(request, "api/root.html", {"endpoints": endpoints})


def endpoint_not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Unknown paths under /api/ answer JSON too, not the site's HTML 404."""
    return JsonResponse(
        {
            "detail": _("No such API endpoint: %(path)s (API paths end with a slash).")
            % {"path": request.path}
        },
        status=404,
    )


class MeView(RetrieveAPIView):
    """The signed-in user and their roles."""

    serializer_class = serializers.MeSerializer

    def get_object(self) -> User:
        return self.request.user


class CohortViewSet(viewsets.ReadOnlyModelViewSet):
    """Cohorts the user belongs to (all of them for admins)."""

    serializer_class = serializers.CohortSerializer
    lookup_field = "slug"
    # Only slug characters reach the database (a NUL byte there is a server
    # error on PostgreSQL); anything else falls through to the JSON 404.
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    ordering_fields = ["starts_on", "slug", "name"]

    def get_queryset(self) -> QuerySet[Cohort]:
        return member_cohorts(self.request.user).order_by("-starts_on", "slug")

    def _overview_students(self, cohort: Cohort) -> QuerySet[User]:
        students = overview_students(self.request.user, cohort)
        if students is None:
            raise PermissionDenied(_("Only the cohort's TAs and mentors see its overview."))
        return students

    @extend_schema(
        summary="The progress overview",
        description="Students (by project, with their mentors) x periods: each cell's "
        "state, completion per period, who is missing, what waits for review, and "
        "mentors' review latency. TAs see every student, mentors their own.",
        responses={200: serializers.OverviewSerializer},
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def overview(self, request: Request, slug: str, format: str | None = None) -> Response:
        cohort = self.get_object()
        overview = build_overview(cohort, self._overview_students(cohort), timezone.now())
        return Response(serializers.OverviewSerializer(overview).data)

    @extend_schema(
        summary="The period summary",
        description="The period's checklist in the camp's format (per project, "
        "`- [x] @student (@mentor)`), as published to the summary issue.",
        parameters=[OpenApiParameter("number", int, OpenApiParameter.PATH)],
        responses={200: serializers.PeriodSummarySerializer},
    )
    @action(
        detail=True,
        url_path=r"periods/(?P<number>[0-9]{1,5})/summary",
        pagination_class=None,
        filter_backends=[],
    )
    def summary(
        self, request: Request, slug: str, number: str, format: str | None = None
    ) -> Response:
        cohort = self.get_object()
        students = self._overview_students(cohort)
        period = get_object_or_404(cohort.periods, number=int(number))
        text = period_summary(cohort, period, students, report_url=request.build_absolute_uri("/"))
        return Response(
            {
                "cohort": cohort.slug,
                "period": period.number,
                "markdown": text,
                "html": str(render_markdown(text)),
            }
        )

    @extend_schema(
        summary="GitHub evidence of a period",
        description="Per student: pull requests opened and merged, pull requests "
        "reviewed and issues opened in the tracked repositories during the period, with "
        "counts and the items (each linking to GitHub). TAs see every student, mentors "
        "their own.",
        parameters=[OpenApiParameter("period", int, required=True, description="Period number.")],
        responses={200: serializers.CohortEvidenceSerializer},
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def evidence(self, request: Request, slug: str, format: str | None = None) -> Response:
        cohort = self.get_object()
        students = self._overview_students(cohort)
        number = request.query_params.get("period", "")
        if not number.isdigit() or len(number) > 5:
            raise ValidationError({"period": [_("A period number is required, e.g. ?period=3.")]})
        period = get_object_or_404(cohort.periods, number=int(number))
        ordered = sorted(students, key=user_sort_key)
        return Response(
            {
                "cohort": cohort.slug,
                "period": period.number,
                "students": cohort_evidence(cohort, period, ordered),
            }
        )


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ProjectSerializer
    filterset_class = filters.ProjectFilter
    ordering_fields = ["title", "id"]

    def get_queryset(self) -> QuerySet[Project]:
        return (
            Project.objects.filter(cohort__in=member_cohorts(self.request.user))
            .select_related("cohort")
            .order_by("cohort__slug", "title")
        )


class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.PeriodSerializer
    filterset_class = filters.PeriodFilter
    ordering_fields = ["number", "starts_on", "due_at", "id"]

    def get_queryset(self) -> QuerySet[Period]:
        return (
            Period.objects.filter(cohort__in=member_cohorts(self.request.user))
            .select_related("cohort")
            .order_by("cohort__slug", "number")
        )


@extend_schema_view(
    create=extend_schema(
        summary="Write the report for a period",
        description="Creates the signed-in student's report for the period, or updates it "
        "when it exists (one report per student and period). Drafts are seen by their "
        "author only.",
        request=serializers.ReportCreateSerializer,
        responses={
            201: OpenApiResponse(serializers.ReportSerializer, "Report created."),
            200: OpenApiResponse(serializers.ReportSerializer, "Existing report updated."),
        },
    ),
    update=extend_schema(
        request=serializers.ReportUpdateSerializer,
        responses={200: serializers.ReportSerializer},
    ),
    partial_update=extend_schema(
        request=serializers.ReportUpdateSerializer,
        responses={200: serializers.ReportSerializer},
    ),
)
class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Reports the user may read; students write their own."""

    serializer_class = serializers.ReportSerializer
    permission_classes = [IsAuthenticated, ReportPermission]
    filterset_class = filters.ReportFilter
    ordering_fields = ["submitted_at", "updated_at", "created_at", "period__number", "id"]

    def get_queryset(self) -> QuerySet[Report]:
        user = self.request.user
        allowances = Allowance.objects.filter(
            student=OuterRef("student"), period=OuterRef("period")
        )
        readable = visible_reports(user)
        # A flag shows only on a report the caller may review, and only when
        # they may read the other report too (reports.similarity.checking.flags_for).
        flags = SimilarityFlag.objects.filter(
            report__in=reviewable_reports(user).values("pk"),
            other__in=readable.values("pk"),
        ).order_by("-score", "other_id")
        reports = with_review_facts(
            readable.select_related("period__cohort", "student").prefetch_related(
                Prefetch(
                    "blockers",
                    Blocker.objects.select_related("opened_period", "last_seen_period").order_by(
                        "opened_at", "pk"
                    ),
                    to_attr="blocker_list",
                ),
                Prefetch("similarity_flags", flags, to_attr="similar_list"),
            ),
            reviews=visible_reviews(user),
        ).annotate(
            allowance_kind=Subquery(allowances.values("kind")[:1]),
            allowance_extended_due_at=Subquery(allowances.values("extended_due_at")[:1]),
        )
        return with_evidence(reports)

    def create(self, request: Request, *args, **kwargs) -> Response:
        writable_periods = Period.objects.filter(
            cohort__in=cohorts_where(request.user, Role.STUDENT)
        ).select_related("cohort")
        data = serializers.ReportCreateSerializer(
            data=request.data, context={"writable_periods": writable_periods}
        )
        data.is_valid(raise_exception=True)
        result = self._save(data.validated_data["period"], data.validated_data)
        return Response(
            serializers.ReportSerializer(self.get_queryset().get(pk=result.report.pk)).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        report = self.get_object()
        data = serializers.ReportUpdateSerializer(data=request.data, partial=kwargs.get("partial"))
        data.is_valid(raise_exception=True)
        values = {"body": report.body, **data.validated_data}
        result = self._save(report.period, values)
        return Response(
            serializers.ReportSerializer(self.get_queryset().get(pk=result.report.pk)).data
        )

    def _save(self, period: Period, values: dict) -> SaveResult:
        # The web form's checks, in the one place they live (reports.writing).
        try:
            return write_report(
                student=self.request.user,
                period=period,
                body=values["body"],
                submit=values.get("submit", False),
                accept_warnings=values.get("accept_warnings", False),
                source=Source.API,
            )
        except SubmitRefused as refused:
            raise ValidationError(
                {"body": refused.errors, "warnings": refused.warnings}
                if refused.errors
                else {"warnings": refused.warnings}
            ) from refused


@extend_schema_view(
    create=extend_schema(
        summary="Review a report",
        description="A mentor reviews a report of one of their students (a TA, any "
        "report of their cohort). Reports the user cannot see are 404.",
        request=serializers.ReviewCreateSerializer,
        responses={201: serializers.ReviewSerializer},
    ),
)
class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Reviews of the user's own reports, and of the reports they may review."""

    serializer_class = serializers.ReviewSerializer
    permission_classes = [IsAuthenticated, ReviewPermission]
    filterset_class = filters.ReviewFilter
    ordering_fields = ["created_at", "id"]

    def get_queryset(self) -> QuerySet[Review]:
        return (
            visible_reviews(self.request.user).select_related("mentor").order_by("created_at", "id")
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = serializers.ReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = get_object_or_404(visible_reports(request.user), pk=data.validated_data["report"])
        # add_review refuses (PermissionDenied, which DRF answers with 403) anyone
        # who may see the report but not review it.
        review = add_review(
            report,
            request.user,
            body=data.validated_data["body"],
            verdict=data.validated_data["verdict"],
            source=Source.API,
        )
        return Response(serializers.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Search",
    description="Reports, reviews, replies, blockers and Q&A entries the caller may "
    "read, newest first, each with a snippet (HTML, matches in <mark>). Chinese is found "
    "without spaces; filters: cohort (slug), period (number, with cohort), student "
    "(GitHub login), kind (repeatable).",
    parameters=[
        OpenApiParameter("q", str, required=True),
        OpenApiParameter("cohort", str),
        OpenApiParameter("period", int),
        OpenApiParameter("student", str),
        OpenApiParameter("kind", str, many=True, enum=[k for k, _ in serializers.SEARCH_KINDS]),
        OpenApiParameter("limit", int),
        OpenApiParameter("offset", int),
    ],
    responses={200: serializers.SearchResponseSerializer},
)
class SearchView(GenericAPIView):
    """One search over everything the caller may read."""

    serializer_class = serializers.SearchResponseSerializer
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request, *args, **kwargs) -> Response:
        form = SearchForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {
                    field: [error["message"] for error in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        results = search(
            request.user,
            form.cleaned_data["q"],
            form.filters(),
            limit=form.page()[0],
            offset=form.page()[1],
        )
        return Response(serializers.SearchResponseSerializer({"results": results}).data)
