"""Each person's deadlines as a private iCalendar feed: made and stopped from the
profile, parsed back with icalendar and checked against the periods."""

import datetime
import re

import icalendar
import pytest

from camp.models import CalendarFeed
from reports.models import Allowance, ReminderPolicy
from tests.factories import AllowanceFactory

UTC = datetime.UTC


def new_address(client, user) -> str:
    client.force_login(user)
    response = client.post("/account/calendar/", {"action": "new"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    found = re.search(r"<code class=\"secret\" data-calendar-url>([^<]+)</code>", page)
    assert found, "the new address is shown on the profile"
    return found.group(1)


def fetch(client, address: str) -> icalendar.Calendar:
    client.logout()  # a calendar app has no session: the address is enough
    response = client.get(address.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def start(event: icalendar.Event) -> datetime.datetime:
    value = event.decoded("DTSTART")
    assert value.utcoffset() == datetime.timedelta(0)  # every time in UTC
    return value


def test_a_students_report_due_times_moved_by_an_extension(client, camp):
    extended = camp.period(2).due_at + datetime.timedelta(days=3)
    AllowanceFactory(
        student=camp.alice,
        period=camp.period(2),
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=extended,
    )
    AllowanceFactory(student=camp.alice, period=camp.period(3))  # excused: no deadline
    address = new_address(client, camp.alice)
    found = events(fetch(client, address))

    periods = list(camp.cohort.periods.order_by("number"))
    expected = {
        f"report-{p.pk}-{camp.alice.pk}@camp-reports": (extended if p.number == 2 else p.due_at)
        for p in periods
        if p.number != 3
    }
    assert {uid: start(event) for uid, event in found.items()} == expected
    first = found[f"report-{periods[0].pk}-{camp.alice.pk}@camp-reports"]
    assert str(first["SUMMARY"]) == f"第 1 期周报截止 · {camp.cohort.name}"
    assert str(first["URL"]).endswith(f"/reports/write/{camp.cohort.slug}/1/")
    # Another cohort's periods are not hers.
    assert not any(f"-{p.pk}-" in uid for p in camp.other_cohort.periods.all() for uid in found)


def test_uids_stay_the_same_across_fetches(client, camp):
    address = new_address(client, camp.alice)
    assert events(fetch(client, address)).keys() == events(fetch(client, address)).keys()


def test_a_mentor_gets_review_reminders_from_the_policy(client, camp):
    ReminderPolicy.objects.create(cohort=camp.cohort, review_pending_hours=24)
    found = events(fetch(client, new_address(client, camp.mentor_a)))
    assert {start(e) for e in found.values()} == {
        p.due_at + datetime.timedelta(hours=24) for p in camp.cohort.periods.all()
    }
    assert all(uid.startswith("review-") for uid in found)


def test_a_ta_gets_the_period_deadlines_in_english(client, camp):
    camp.ta.language = "en"
    camp.ta.save()
    found = events(fetch(client, new_address(client, camp.ta)))
    assert {start(e) for e in found.values()} == {p.due_at for p in camp.cohort.periods.all()}
    assert all(str(e["SUMMARY"]).startswith("Period #") for e in found.values())


def test_someone_in_no_cohort_gets_an_empty_calendar(client, camp):
    assert events(fetch(client, new_address(client, camp.stranger))) == {}


def test_the_address_is_shown_once_and_only_its_digest_is_stored(client, camp):
    address = new_address(client, camp.alice)
    secret = address.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeed.objects.filter(digest__contains=secret).exists()
    client.force_login(camp.alice)
    assert secret not in client.get("/accounts/profile/").content.decode()


def test_a_new_address_revokes_the_old_and_stop_revokes_all(client, camp):
    old = new_address(client, camp.alice)
    new = new_address(client, camp.alice)
    assert client.get(old.removeprefix("http://127.0.0.1:8000")).status_code == 404
    fetch(client, new)
    client.force_login(camp.alice)
    assert client.post("/account/calendar/", {"action": "stop"}).status_code == 302
    assert client.get(new.removeprefix("http://127.0.0.1:8000")).status_code == 404


@pytest.mark.parametrize("secret", ["nope", "cal_" + "x" * 43, "%00"])
def test_unknown_addresses_answer_404(client, camp, secret):
    assert client.get(f"/calendar/{secret}.ics").status_code == 404


def test_an_inactive_users_address_answers_404(client, camp):
    address = new_address(client, camp.alice)
    camp.alice.is_active = False
    camp.alice.save()
    assert client.get(address.removeprefix("http://127.0.0.1:8000")).status_code == 404


def test_making_an_address_needs_a_sign_in_and_a_known_action(client, camp):
    response = client.post("/account/calendar/", {"action": "new"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not CalendarFeed.objects.exists()
    client.force_login(camp.alice)
    assert client.post("/account/calendar/", {"action": "share"}).status_code == 400
    assert client.get("/account/calendar/").status_code == 405
    assert not CalendarFeed.objects.exists()
