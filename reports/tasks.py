from celery import shared_task

from camp.models import Cohort
from reports.periods import ensure_periods


@shared_task(ignore_result=True)
def extend_calendars() -> int:
    """Open-ended cohorts grow new periods as time passes."""
    return sum(ensure_periods(cohort) for cohort in Cohort.objects.all())
