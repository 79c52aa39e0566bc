"""Who is a manager and which agent a staff user is: the rules of listings.permissions,
so that the admin scopes inquiries exactly as it scopes listings."""

from listings.permissions import AGENTS_GROUP, MANAGERS_GROUP, agent_for, is_manager

__all__ = ["AGENTS_GROUP", "MANAGERS_GROUP", "agent_for", "is_manager"]
