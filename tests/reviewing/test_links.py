"""The mentor's missing-report escalation links (on SITE_URL) to the overview
filtered to their students who are missing, not to the review queue where a
missing report cannot appear."""

from __future__ import annotations

import datetime
import io

import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client

from tests.factories import ReportFactory

SITE = "https://camp.example.org"


def test_mentor_escalation_links_to_the_overview_of_those_students(camp, settings):
    settings.SITE_URL = SITE
    ReportFactory(student=camp.alice, period=camp.period(1))
    ReportFactory(student=camp.carol, period=camp.period(1))
    # Period 1 was due 2025-03-17 23:59 Shanghai; 48 h later bob's mentors hear.
    call_command(
        "send_reminders",
        "--cohort",
        "camp",
        "--now",
        "2025-03-20T09:00+08:00",
        stdout=io.StringIO(),
    )
    [escalation] = [m for m in mail.outbox if m.to == [camp.mentor_b.email]]
    link = f"{SITE}/overview/camp/?status=missing&mentor={camp.mentor_b.pk}"
    assert link in escalation.body
    # That page lists exactly the missing students of that mentor.
    client = Client()
    client.force_login(camp.mentor_b)
    with time_machine.travel(datetime.datetime(2025, 3, 20, 9, 0, tzinfo=datetime.UTC)):
        overview = client.get(link.removeprefix(SITE)).context["groups"]
    assert [row.student for group in overview for row in group.rows] == [camp.bob]
