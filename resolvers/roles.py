"""Who may run which mutation (SPEC §12). The one place a `ForbiddenError` is raised here.

viewer: queries only. recorder: every command except the admin-only ones below (editing and
deleting their own events is checked again by `edit_event` / `delete_event`, given the role).
admin: everything.
"""

from __future__ import annotations

from animaltrack.errors import ForbiddenError

ADMIN_ONLY = frozenset({"correctStatus", "mergeAnimals", "renameLocation", "archiveLocation"})
WRITERS = frozenset({"admin", "recorder"})


def role_of(user) -> str | None:
    if user is None:
        return None
    role = getattr(user.role, "value", user.role)
    return str(role).lower()


def authorize(user, mutation: str) -> str:
    """The actor name to record, or `ForbiddenError` when the user's role may not do this."""
    role = role_of(user)
    if role not in WRITERS:
        raise ForbiddenError("Your account can look but not record; ask an admin for access.")
    if mutation in ADMIN_ONLY and role != "admin":
        raise ForbiddenError(f"Only an admin may use {mutation}.")
    return user.username
