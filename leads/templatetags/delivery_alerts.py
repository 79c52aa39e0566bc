"""{% delivery_problems_banner %}: the admin's warning about deliveries that failed for
good or are late, for managers (all of them) and for the agent they concern."""

from django import template
from django.db.models import Count, Q

from leads.models import Notification
from listings.permissions import agent_for, is_manager

register = template.Library()


def problem_counts(user):
    """(failed, late) deliveries the user should hear about, or None."""
    if not getattr(user, "is_staff", False):
        return None
    problems = Notification.objects.problems()
    if not is_manager(user):
        agent = agent_for(user)
        if agent is None:
            return None
        problems = problems.concerning(agent)
    counts = problems.aggregate(
        failed=Count("pk", filter=Q(state=Notification.State.FAILED)),
        late=Count("pk", filter=Q(state=Notification.State.PENDING)),
    )
    return counts["failed"], counts["late"]


@register.inclusion_tag("admin/includes/delivery_problems.html", takes_context=True)
def delivery_problems_banner(context):
    request = context.get("request")
    counts = problem_counts(getattr(request, "user", None))
    failed, late = counts or (0, 0)
    return {"failed": failed, "late": late, "show": bool(failed or late)}
