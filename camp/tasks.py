from celery import shared_task

from camp.health import record_heartbeat
from camp.locks import single_instance


@shared_task(ignore_result=True)
@single_instance("heartbeat", ttl=60)
def heartbeat() -> None:
    """Scheduled by beat every 30 s: proves worker and beat are both alive."""
    record_heartbeat()
