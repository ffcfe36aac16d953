from celery import shared_task

from camp.health import record_heartbeat


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Scheduled by beat every minute: proves worker and beat are both alive."""
    record_heartbeat()
