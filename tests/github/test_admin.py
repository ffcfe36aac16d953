"""The GitHub admin: settings without the token shown, unmatched comments, deliveries."""

from __future__ import annotations

import datetime

import pytest

from reports.models import GitHubComment, GitHubSettings, Report, WebhookDelivery

SECRET_TOKEN = "ghp_very_secret_token_value"
AT = datetime.datetime(2025, 3, 16, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The language switcher's cookie: it wins over the profile's language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def github_admin_camp(camp):
    camp.cohort.github_repo = "pfcc/camp"
    camp.cohort.save()
    camp.other_cohort.github_repo = "other/repo"
    camp.other_cohort.save()
    settings_row = GitHubSettings.objects.create(
        cohort=camp.cohort,
        token=SECRET_TOKEN,
        last_sync_finished_at=AT,
        last_sync_ok=True,
        last_sync_result={"reports_created": 3, "requests": 4, "rate_limit_units": 1},
    )
    camp.settings_row = settings_row
    camp.unmatched = GitHubComment.objects.create(
        cohort=camp.cohort,
        period=camp.period(1),
        comment_id=501,
        login="newcomer",
        body="新同学的周报",
        html_url="https://github.com/pfcc/camp/issues/1#issuecomment-501",
        commented_at=AT,
        edited_at=AT,
    )
    camp.other_unmatched = GitHubComment.objects.create(
        cohort=camp.other_cohort,
        period=camp.other_cohort.periods.get(number=1),
        comment_id=502,
        login="someone",
        body="other camp",
        html_url="https://github.com/other/repo/issues/1#issuecomment-502",
        commented_at=AT,
        edited_at=AT,
    )
    WebhookDelivery.objects.create(
        delivery_id="d-camp", event="issue_comment", repository="PFCC/camp", payload={}
    )
    WebhookDelivery.objects.create(
        delivery_id="d-other", event="issues", repository="other/repo", payload={}
    )
    return camp


def test_token_is_never_rendered(client, github_admin_camp):
    client.force_login(github_admin_camp.admin)
    row = github_admin_camp.settings_row
    for url in (
        "/admin/reports/githubsettings/",
        f"/admin/reports/githubsettings/{row.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET_TOKEN not in response.content.decode()
    assert "3 reports" in client.get("/admin/reports/githubsettings/").content.decode()


def test_blank_token_keeps_it_new_token_replaces_it(client, github_admin_camp):
    client.force_login(github_admin_camp.admin)
    row = github_admin_camp.settings_row
    url = f"/admin/reports/githubsettings/{row.pk}/change/"
    data = {"cohort": github_admin_camp.cohort.pk, "token": "", "create_summary_issues": "on"}
    assert client.post(url, data).status_code == 302
    row.refresh_from_db()
    assert row.token == SECRET_TOKEN and row.create_summary_issues
    client.post(url, {**data, "token": "new-token"})
    row.refresh_from_db()
    assert row.token == "new-token"
    client.post(url, {**data, "clear_token": "on"})
    row.refresh_from_db()
    assert row.token == ""


def test_ta_sees_sync_state_read_only_without_token(client, github_admin_camp):
    client.force_login(github_admin_camp.ta)
    row = github_admin_camp.settings_row
    response = client.get(f"/admin/reports/githubsettings/{row.pk}/change/")
    assert response.status_code == 200
    assert SECRET_TOKEN not in response.content.decode()
    client.post(
        f"/admin/reports/githubsettings/{row.pk}/change/",
        {"cohort": row.cohort_id, "token": "hijack"},
    )
    row.refresh_from_db()
    assert row.token == SECRET_TOKEN


@pytest.mark.parametrize("who", ["mentor_a", "alice", "stranger"])
def test_non_tas_get_no_github_admin(client, github_admin_camp, who):
    client.force_login(getattr(github_admin_camp, who))
    for model in ("githubsettings", "unmatchedcomment", "webhookdelivery"):
        assert client.get(f"/admin/reports/{model}/").status_code in (302, 403)


def test_ta_sees_only_own_cohorts_unmatched_comments(client, github_admin_camp):
    client.force_login(github_admin_camp.ta)
    page = client.get("/admin/reports/unmatchedcomment/").content.decode()
    assert "newcomer" in page and "someone" not in page
    other = github_admin_camp.other_unmatched
    assert client.get(f"/admin/reports/unmatchedcomment/{other.pk}/change/").status_code == 302
    client.force_login(github_admin_camp.other_ta)
    page = client.get("/admin/reports/unmatchedcomment/").content.decode()
    assert "someone" in page and "newcomer" not in page


def test_action_form_offers_only_own_students(client, github_admin_camp):
    client.force_login(github_admin_camp.ta)
    page = client.get("/admin/reports/unmatchedcomment/").content.decode()
    assert f'value="{github_admin_camp.carol.pk}"' in page
    assert f'value="{github_admin_camp.outsider.pk}"' not in page


def test_this_is_student_x(client, github_admin_camp):
    client.force_login(github_admin_camp.ta)
    unmatched = github_admin_camp.unmatched
    response = client.post(
        "/admin/reports/unmatchedcomment/",
        {
            "action": "map_to_student",
            "_selected_action": [unmatched.pk],
            "student": github_admin_camp.carol.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    report = Report.objects.get(student=github_admin_camp.carol)
    assert report.body == "新同学的周报" and report.period == github_admin_camp.period(1)
    unmatched.refresh_from_db()
    assert unmatched.student == github_admin_camp.carol
    assert unmatched.mapped_by == github_admin_camp.ta


def test_student_of_another_cohort_is_refused(client, github_admin_camp):
    client.force_login(github_admin_camp.admin)
    unmatched = github_admin_camp.unmatched
    response = client.post(
        "/admin/reports/unmatchedcomment/",
        {
            "action": "map_to_student",
            "_selected_action": [unmatched.pk],
            "student": github_admin_camp.outsider.pk,
        },
        follow=True,
    )
    assert "is not a student of" in response.content.decode()
    assert not Report.objects.exists()
    unmatched.refresh_from_db()
    assert unmatched.student is None


def test_ta_cannot_map_another_cohorts_comment(client, github_admin_camp):
    client.force_login(github_admin_camp.ta)
    other = github_admin_camp.other_unmatched
    client.post(
        "/admin/reports/unmatchedcomment/",
        {
            "action": "map_to_student",
            "_selected_action": [other.pk],
            "student": github_admin_camp.carol.pk,
        },
    )
    other.refresh_from_db()
    assert other.student is None and not Report.objects.exists()


def test_deliveries_with_status(client, github_admin_camp):
    client.force_login(github_admin_camp.admin)
    page = client.get("/admin/reports/webhookdelivery/").content.decode()
    assert "d-camp" in page and "d-other" in page
    client.force_login(github_admin_camp.ta)
    page = client.get("/admin/reports/webhookdelivery/").content.decode()
    assert "d-camp" in page and "d-other" not in page
