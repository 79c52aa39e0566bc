"""Who may see what among staff: managers see everything, an agent only their own rows.

Leads reuses these so the rule is the same across the admin."""

MANAGERS_GROUP = "managers"
AGENTS_GROUP = "agents"
EDITORS_GROUP = "editors"


def is_manager(user):
    """Superusers and members of the "managers" group see and manage all rows."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_g60_is_manager", None)
    if cached is None:
        cached = user.groups.filter(name=MANAGERS_GROUP).exists()
        user._g60_is_manager = cached
    return cached


def agent_for(user):
    """The Agent linked to this user, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.agent
    except AttributeError:  # RelatedObjectDoesNotExist is an AttributeError too
        return None


def scoped_agent(user):
    """The agent whose rows alone this user may see, or None when they may see all.

    A staff user who is linked to an Agent and is not a manager is scoped."""
    if is_manager(user):
        return None
    return agent_for(user)


def is_in_group(user, name):
    return getattr(user, "is_authenticated", False) and user.groups.filter(name=name).exists()


def scope_to_agent(queryset, user, field="agent"):
    """Narrow `queryset` to the user's own rows when the user is a scoped agent.

    A member of the "agents" group with no linked Agent sees nothing rather than
    everything: the link is what says whose rows are theirs."""
    if is_manager(user):
        return queryset
    agent = agent_for(user)
    if agent is not None:
        return queryset.filter(**{field: agent})
    if is_in_group(user, AGENTS_GROUP):
        return queryset.none()
    return queryset


def display_name(user):
    """How staff are named on timelines and pages: their full name, else their agent's
    name, else the login name."""
    if user is None:
        return ""
    full = user.get_full_name().strip()
    if full:
        return full
    agent = agent_for(user)
    if agent is not None and agent.name:
        return agent.name
    return user.get_username()
