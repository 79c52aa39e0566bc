"""Background work for the task workers: deliveries and the periodic sweeps.

leads.services imports this module at module level to enqueue tasks, and
leads.notifications imports leads.services; so the task bodies import their work when
they run (the one cycle in leads)."""

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from leads.models import drop_expired_rate_counts, drop_old_reference_sequences

# The sweeps jump the queue: a backlog of deliveries must not hold up the job that
# finds deliveries cut short.
SWEEP_PRIORITY = 50


@task()
def deliver_notification(notification_id):
    """Deliver the notification, and with it up to LEAD_NOTIFY_BATCH - 1 others that are
    due (their own tasks are then closed): one mail connection for all of them."""
    from leads.notifications import deliver  # noqa: PLC0415 - cycle, see the module docstring

    return deliver(notification_id, batch=settings.LEAD_NOTIFY_BATCH)


@task(priority=SWEEP_PRIORITY)
def escalate_overdue_inquiries():
    """Periodic job (settings.PERIODIC_TASKS): SLA reassignments and escalations; also
    drops the reference-number sequences of past days and the rate-limit counters of
    past windows."""
    from leads import services  # noqa: PLC0415 - cycle, see the module docstring

    done = services.escalate_overdue_inquiries()
    return {
        "reassigned": sum(1 for _i, action, _a in done if action == "reassign"),
        "escalated": sum(1 for _i, action, _a in done if action == "escalate"),
        "sequences_dropped": drop_old_reference_sequences(timezone.localdate()),
        "rate_counts_dropped": drop_expired_rate_counts(),
    }


@task(priority=SWEEP_PRIORITY)
def sweep_notifications():
    """Periodic job (settings.PERIODIC_TASKS, every LEAD_NOTIFY_SWEEP_SECONDS): queue
    again the deliveries whose lease ran out or whose task went missing, and close the
    task rows of workers that died mid-task."""
    from leads import services  # noqa: PLC0415 - cycle, see the module docstring

    return {
        "requeued": services.sweep_notifications(),
        "abandoned": services.close_abandoned_tasks(),
    }


@task()
def send_alert_confirmation(subscription_id):
    """The double opt-in mail of a saved search (leads.alerts)."""
    from leads import alerts  # noqa: PLC0415 - alerts enqueues this task: the same cycle

    return alerts.send_confirmation(subscription_id)


@task()
def send_alert_digests():
    """Periodic job (settings.PERIODIC_TASKS): the saved searches' digests."""
    from leads import alerts  # noqa: PLC0415 - alerts enqueues tasks: the same cycle

    return alerts.send_digests()
