"""Who may see and change a project.

A project the user does not belong to is answered with 404, exactly like one that does not
exist, so that ids of other accounts' projects cannot be probed. A member who can see the
project but lacks the role for an action gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import forbidden, not_found
from dialtrail.projects.models import Membership, Project, User


@dataclass(frozen=True)
class ProjectAccess:
    project: Project
    role: str | None  # None: a superuser who is not a member
    superuser: bool = False

    @property
    def is_owner(self) -> bool:
        # A superuser administers the whole server, whether or not they also joined the project.
        return self.role == "owner" or self.superuser


# The project and the user's role in it, in one query built once: this runs on every
# project-scoped API request. The locking variant serialises changes to one project (e.g. the
# entity limit) on PostgreSQL, locking only the project's row; SQLite already serialises every
# write transaction.
PROJECT_AND_ROLE = (
    select(Project, Membership.role)
    .outerjoin(
        Membership,
        (Membership.project_id == Project.id) & (Membership.user_id == bindparam("user_id")),
    )
    .where(Project.id == bindparam("project_id"))
)
PROJECT_AND_ROLE_LOCKED = PROJECT_AND_ROLE.with_for_update(of=Project)


def find_access(session: Session, user: User, project_id: int, *, lock: bool) -> ProjectAccess:
    query = PROJECT_AND_ROLE_LOCKED if lock else PROJECT_AND_ROLE
    row = session.execute(query, {"user_id": user.id, "project_id": project_id}).first()
    project, role = (row[0], row[1]) if row is not None else (None, None)
    if project is None or (role is None and not user.is_superuser):
        raise not_found(f"project {project_id}")
    return ProjectAccess(project, role, user.is_superuser)


def visible_projects(session: Session, user: User) -> list[tuple[Project, str | None]]:
    """The projects a user may see, with their role: a superuser sees every project."""
    query = (
        select(Project, Membership.role)
        .outerjoin(
            Membership, (Membership.project_id == Project.id) & (Membership.user_id == user.id)
        )
        .order_by(Project.id)
    )
    if not user.is_superuser:
        query = query.where(Membership.id.is_not(None))
    return [(project, role) for project, role in session.execute(query).all()]


def readable_project(session: Session, user: User, project_id: int) -> ProjectAccess:
    return find_access(session, user, project_id, lock=False)


def writable_project(session: Session, user: User, project_id: int) -> ProjectAccess:
    """Members may change what the project tracks (entities, numbers, webhooks)."""
    return find_access(session, user, project_id, lock=True)


def owned_project(session: Session, user: User, project_id: int) -> ProjectAccess:
    """Only owners may change the project's own settings, its members, or delete it."""
    access = find_access(session, user, project_id, lock=True)
    if not access.is_owner:
        raise forbidden("only the project's owners may do this; ask an owner")
    return access
