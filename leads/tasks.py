"""Background work for the db_worker: deliveries and the SLA sweep.

leads.services imports this module at module level to enqueue tasks, and
leads.notifications imports leads.services; so the task bodies import their work when
they run (the one cycle in leads)."""

from django.tasks import task


@task()
def deliver_notification(notification_id):
    from leads.notifications import deliver  # noqa: PLC0415 - cycle, see the module docstring

    return deliver(notification_id)


@task()
def escalate_overdue_inquiries():
    """Periodic job (settings.PERIODIC_TASKS): SLA reassignments and escalations, plus
    a re-enqueue of deliveries whose task was lost."""
    from leads import services  # noqa: PLC0415 - cycle, see the module docstring

    done = services.escalate_overdue_inquiries()
    requeued = services.requeue_stalled_notifications()
    return {
        "reassigned": sum(1 for _i, action, _a in done if action == "reassign"),
        "escalated": sum(1 for _i, action, _a in done if action == "escalate"),
        "requeued": requeued,
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
