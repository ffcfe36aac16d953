"""The calendar and period matching: pure rules (with property tests) and the
periods a cohort gets in the database."""

import datetime
import zoneinfo
from dataclasses import dataclass

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from reports.periods import (
    calendar,
    current_period,
    due_at_for,
    ensure_periods,
    match_claimed_range,
    overlap_days,
    submission_period,
)
from tests.factories import CohortFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


@dataclass(frozen=True)
class P:
    number: int
    starts_on: datetime.date
    ends_on: datetime.date


FIRST_DAY = D(2023, 10, 10)


def fortnights(start=FIRST_DAY, count=8, days=14):
    return [
        P(
            i + 1,
            start + datetime.timedelta(days=i * days),
            start + datetime.timedelta(days=(i + 1) * days - 1),
        )
        for i in range(count)
    ]


class TestCalendar:
    def test_consecutive_periods_cut_at_the_end_date(self):
        periods = calendar(
            starts_on=D(2024, 2, 25),
            ends_on=D(2024, 4, 10),
            period_days=14,
            due_days_after_end=1,
            due_time=datetime.time(23, 59),
            tzinfo=SHANGHAI,
        )
        assert [(p.number, p.starts_on, p.ends_on) for p in periods] == [
            (1, D(2024, 2, 25), D(2024, 3, 9)),
            (2, D(2024, 3, 10), D(2024, 3, 23)),
            (3, D(2024, 3, 24), D(2024, 4, 6)),
            (4, D(2024, 4, 7), D(2024, 4, 10)),
        ]
        assert periods[0].due_at == datetime.datetime(2024, 3, 10, 23, 59, tzinfo=SHANGHAI)

    def test_due_time_is_local_wall_clock_across_a_dst_change(self):
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
        before = due_at_for(
            D(2025, 3, 20), due_days_after_end=1, due_time=datetime.time(23, 59), tzinfo=berlin
        )
        after = due_at_for(
            D(2025, 4, 3), due_days_after_end=1, due_time=datetime.time(23, 59), tzinfo=berlin
        )
        assert before.utcoffset() == datetime.timedelta(hours=1)
        assert after.utcoffset() == datetime.timedelta(hours=2)
        assert (before.hour, before.minute) == (after.hour, after.minute) == (23, 59)

    def test_same_due_day_is_a_different_instant_in_other_time_zones(self):
        shanghai = due_at_for(
            D(2025, 3, 16), due_days_after_end=1, due_time=datetime.time(23, 59), tzinfo=SHANGHAI
        )
        new_york = due_at_for(
            D(2025, 3, 16),
            due_days_after_end=1,
            due_time=datetime.time(23, 59),
            tzinfo=zoneinfo.ZoneInfo("America/New_York"),
        )
        assert shanghai.astimezone(datetime.UTC) == datetime.datetime(
            2025, 3, 17, 15, 59, tzinfo=datetime.UTC
        )
        assert new_york - shanghai == datetime.timedelta(hours=12)

    def test_refuses_nonsense(self):
        with pytest.raises(ValueError):
            calendar(
                starts_on=D(2024, 1, 1),
                ends_on=None,
                period_days=7,
                due_days_after_end=1,
                due_time=datetime.time(23, 59),
                tzinfo=SHANGHAI,
            )
        with pytest.raises(ValueError):
            calendar(
                starts_on=D(2024, 1, 1),
                ends_on=D(2024, 2, 1),
                period_days=0,
                due_days_after_end=1,
                due_time=datetime.time(23, 59),
                tzinfo=SHANGHAI,
            )

    @given(
        start=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 1, 1)),
        length=st.integers(min_value=1, max_value=400),
        period_days=st.integers(min_value=1, max_value=31),
    )
    def test_periods_tile_the_cohort_without_gaps(self, start, length, period_days):
        end = start + datetime.timedelta(days=length)
        periods = calendar(
            starts_on=start,
            ends_on=end,
            period_days=period_days,
            due_days_after_end=1,
            due_time=datetime.time(23, 59),
            tzinfo=SHANGHAI,
        )
        assert periods[0].starts_on == start and periods[-1].ends_on == end
        for a, b in zip(periods, periods[1:], strict=False):
            assert b.starts_on == a.ends_on + datetime.timedelta(days=1)
            assert b.number == a.number + 1
        assert all(1 <= (p.ends_on - p.starts_on).days + 1 <= period_days for p in periods)


class TestMatching:
    periods = fortnights()

    def test_exact_range(self):
        assert match_claimed_range(self.periods, D(2023, 10, 10), D(2023, 10, 23)).number == 1

    def test_range_typed_off_by_days_goes_to_the_most_overlapping_period(self):
        # 2023.10.1~2023.10.20 overlaps period 1 (10.10-10.23) by 11 days
        assert match_claimed_range(self.periods, D(2023, 10, 1), D(2023, 10, 20)).number == 1
        assert match_claimed_range(self.periods, D(2023, 10, 20), D(2023, 11, 4)).number == 2

    def test_end_before_start_is_read_both_ways(self):
        # 2023.10.24~2023.10.10: a swapped range still means period 1
        assert match_claimed_range(self.periods, D(2023, 10, 23), D(2023, 10, 10)).number == 1

    def test_near_miss_outside_the_calendar_takes_the_nearest_period(self):
        assert match_claimed_range(self.periods, D(2023, 10, 1), D(2023, 10, 7)).number == 1
        assert match_claimed_range(self.periods, D(2022, 10, 1), D(2022, 10, 7)) is None

    def test_no_dates_no_match(self):
        assert match_claimed_range(self.periods, None, None) is None
        assert match_claimed_range([], D(2023, 10, 10), D(2023, 10, 23)) is None

    def test_dateless_submission_goes_to_the_period_containing_it_or_the_one_just_ended(self):
        def by_day(day):
            return submission_period(
                self.periods, claimed_start=None, claimed_end=None, submitted_on=day, grace_days=3
            )

        assert by_day(D(2023, 10, 20)).number == 1
        assert by_day(D(2023, 10, 25)).number == 1  # two days after period 1 ended: within grace
        assert by_day(D(2023, 10, 30)).number == 2
        assert by_day(D(2024, 2, 1)).number == 8  # period 8 ended 01-29: within grace
        assert by_day(D(2024, 5, 1)) is None

    @given(
        start_offset=st.integers(min_value=0, max_value=8 * 14 - 1),
        length=st.integers(min_value=1, max_value=14),
    )
    def test_a_range_inside_one_period_matches_that_period(self, start_offset, length):
        first = self.periods[0].starts_on
        start = first + datetime.timedelta(days=start_offset)
        containing = next(p for p in self.periods if p.starts_on <= start <= p.ends_on)
        end = min(start + datetime.timedelta(days=length - 1), containing.ends_on)
        assert match_claimed_range(self.periods, start, end) == containing

    @given(
        start=st.dates(min_value=D(2023, 9, 1), max_value=D(2024, 3, 1)),
        length=st.integers(min_value=0, max_value=40),
        swapped=st.booleans(),
    )
    def test_the_match_overlaps_at_least_as_much_as_any_other_period(self, start, length, swapped):
        end = start + datetime.timedelta(days=length)
        claimed = (end, start) if swapped else (start, end)
        match = match_claimed_range(self.periods, *claimed)
        best = max(overlap_days(p, start, end) for p in self.periods)
        if best:
            assert overlap_days(match, start, end) == best
        assert match_claimed_range(self.periods, *claimed) == match_claimed_range(
            self.periods, end, start
        )


class TestCohortPeriods:
    def test_ensure_periods_creates_the_calendar_once_and_keeps_edits(self, db):
        cohort = CohortFactory(starts_on=D(2025, 3, 3), ends_on=D(2025, 6, 29), period_days=14)
        assert ensure_periods(cohort) == 9
        first = cohort.periods.get(number=1)
        first.ends_on = D(2025, 3, 20)  # a TA moved the end for a holiday
        first.save()
        assert ensure_periods(cohort) == 0
        first.refresh_from_db()
        assert first.ends_on == D(2025, 3, 20)
        assert first.due_at == datetime.datetime(2025, 3, 17, 23, 59, tzinfo=SHANGHAI)

    def test_due_at_follows_the_cohort_time_zone(self, db):
        cohort = CohortFactory(
            starts_on=D(2025, 3, 3), ends_on=D(2025, 3, 16), timezone="America/Los_Angeles"
        )
        ensure_periods(cohort)
        period = cohort.periods.get()
        la = zoneinfo.ZoneInfo("America/Los_Angeles")
        assert period.due_at == datetime.datetime(2025, 3, 17, 23, 59, tzinfo=la)

    def test_current_period_is_the_first_not_yet_due(self, db):
        cohort = CohortFactory(starts_on=D(2025, 3, 3), ends_on=D(2025, 6, 29))
        ensure_periods(cohort)
        # period 1 ends 03-16 and is due 03-17 23:59 Shanghai
        with time_machine.travel(
            datetime.datetime(2025, 3, 17, 23, 0, tzinfo=SHANGHAI), tick=False
        ):
            assert current_period(cohort).number == 1
        with time_machine.travel(datetime.datetime(2025, 3, 18, 0, 0, tzinfo=SHANGHAI), tick=False):
            assert current_period(cohort).number == 2
        with time_machine.travel(datetime.datetime(2025, 8, 1, tzinfo=SHANGHAI), tick=False):
            assert current_period(cohort) is None

    def test_open_ended_cohort_grows_periods_with_time(self, db):
        cohort = CohortFactory(starts_on=D(2025, 3, 3), ends_on=None, period_days=7)
        with time_machine.travel(datetime.datetime(2025, 3, 20, tzinfo=SHANGHAI), tick=False):
            created = ensure_periods(cohort)
        assert created == cohort.periods.count() >= 3
        with time_machine.travel(datetime.datetime(2025, 4, 20, tzinfo=SHANGHAI), tick=False):
            assert ensure_periods(cohort) > 0
        numbers = list(cohort.periods.values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
