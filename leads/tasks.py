"""Background work for the db_worker: deliveries and the SLA sweep."""

from django.tasks import task

from leads import services
from leads.notifications import deliver


@task()
def deliver_notification(notification_id):
    return deliver(notification_id)


@task()
def escalate_overdue_inquiries():
    """Periodic job (settings.PERIODIC_TASKS): SLA reassignments and escalations, plus
    a re-enqueue of deliveries whose task was lost."""
    done = services.escalate_overdue_inquiries()
    requeued = services.requeue_stalled_notifications()
    return {
        "reassigned": sum(1 for _i, action, _a in done if action == "reassign"),
        "escalated": sum(1 for _i, action, _a in done if action == "escalate"),
        "requeued": requeued,
    }
