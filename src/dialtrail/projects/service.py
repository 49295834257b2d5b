"""Creating and changing projects and their members: validation first, then writes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dialtrail.api.errors import ApiError, FieldProblem, invalid, not_found
from dialtrail.api.schemas import with_defaults
from dialtrail.hooks import Hooks
from dialtrail.projects import validation
from dialtrail.projects.accounts import AccountError, find_user
from dialtrail.projects.models import Membership, OriginRefusal, Project, User
from dialtrail.projects.schemas import ProjectCreate, ProjectFields, ProjectUpdate


def new_public_key() -> str:
    return secrets.token_urlsafe(12)


def create_project(session: Session, owner: User, body: ProjectCreate) -> Project:
    fields = given_fields(body)
    project = Project(name=fields.pop("name"), public_key=new_public_key())
    apply_fields(project, fields)
    session.add(project)
    session.add(Membership(project=project, user=owner, role="owner"))
    session.flush()
    return project


# What a change of settings must pass that only a higher layer knows (entities: raw JS in
# use), wired by wiring.py; each raises the API error that refuses the change.
SETTINGS_CHECKS: Hooks[Callable[[Session, Project, dict[str, Any]], None]] = Hooks(
    "checks on a project's new settings"
)


def update_project(session: Session, project: Project, body: ProjectUpdate) -> None:
    """Changes the fields ``body`` sets (null: back to the default)."""
    fields = given_fields(body)
    for check in SETTINGS_CHECKS:
        check(session, project, fields)
    if "name" in fields:
        project.name = fields.pop("name") or reject_empty_name()
    domains_before = list(project.domains)
    apply_fields(project, fields)
    if project.domains != domains_before:
        # A refusal seen under the old domains says nothing about the new ones.
        session.execute(delete(OriginRefusal).where(OriginRefusal.project_id == project.id))
    session.flush()


def delete_project(session: Session, project: Project) -> None:
    # Its entities, numbers, sessions, calls and webhooks go with it (ON DELETE CASCADE).
    session.delete(project)
    session.flush()


def reject_empty_name() -> str:
    raise invalid(FieldProblem("name", "a project needs a name"))


def given_fields(body: ProjectFields) -> dict[str, Any]:
    """The fields the client sent; null means "back to the default" for optional settings."""
    return {name: getattr(body, name) for name in body.model_fields_set}


def apply_fields(project: Project, fields: dict[str, Any]) -> None:
    country = fields.get("country", project.country)
    cleaned, problems = clean_fields(fields, country)
    if problems:
        raise invalid(*problems)
    for name, value in cleaned.items():
        setattr(project, name, value)


def clean_fields(
    fields: dict[str, Any], country: str | None
) -> tuple[dict[str, Any], list[FieldProblem]]:
    if fields.get("country") is not None:
        country = guard(validation.normalise_country, fields["country"], "country", [])
    problems: list[FieldProblem] = []
    cleaned: dict[str, Any] = {}
    for name, value in with_defaults(fields, DEFAULTS).items():
        cleaned[name] = None if value is None else clean_one(name, value, country, problems)
    return cleaned, problems


def clean_one(name: str, value: Any, country: str | None, problems: list[FieldProblem]) -> Any:
    if name == "domains":
        return unique(clean_list(value, validation.normalise_domain, name, problems))
    if name == "site_numbers":
        return unique(clean_list(value, lambda raw: phone(raw, country), name, problems))
    cleaner = single_value_cleaners(country).get(name)
    return guard(cleaner, value, name, problems) if cleaner else value


DEFAULTS: dict[str, Any] = {
    "domains": [],
    "site_numbers": [],
    "timezone": "UTC",
    "allow_raw_js": False,
    "hold_seconds": 300,
    "on_pool_exhausted": "reuse_oldest",
    "late_call_seconds": 1800,
    "consent": "not_required",
    "redact_personal_data": True,
    "session_retention_months": 13,
    "call_retention_months": 25,
    "webhook_log_retention_days": 30,
}


def single_value_cleaners(country: str | None) -> dict[str, Callable[[str], str]]:
    return {
        "default_number": lambda raw: phone(raw, country),
        "destination": lambda raw: validation.normalise_destination(raw, country),
        "country": validation.normalise_country,
        "timezone": validation.check_timezone,
    }


def phone(raw: str, country: str | None) -> str:
    return validation.normalise_phone_number(raw, country)


def guard(
    cleaner: Callable[[str], str], value: str, field: str, problems: list[FieldProblem]
) -> Any:
    try:
        return cleaner(value)
    except ValueError as error:
        problems.append(FieldProblem(field, str(error)))
        return None


def clean_list(
    values: list[str],
    cleaner: Callable[[str], str],
    field: str,
    problems: list[FieldProblem],
) -> list[str]:
    return [
        guard(cleaner, value, f"{field}.{index}", problems) for index, value in enumerate(values)
    ]


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def list_members(session: Session, project: Project) -> list[Membership]:
    query = (
        select(Membership)
        .where(Membership.project_id == project.id)
        .order_by(Membership.created_at, Membership.id)
    )
    return list(session.scalars(query))


def add_member(
    session: Session, project: Project, email: str, role: str
) -> tuple[Membership, bool]:
    """The membership, and whether it is new (rather than an existing member's new role)."""
    user = lookup_user(session, email)
    if find_membership(session, project, user.id) is not None:
        return change_role(session, project, user.id, role), False
    membership = Membership(project=project, user=user, role=role)
    session.add(membership)
    session.flush()
    return membership, True


def lookup_user(session: Session, email: str) -> User:
    try:
        user = find_user(session, email)
    except AccountError as error:
        raise invalid(FieldProblem("email", str(error))) from None
    if user is None:
        raise invalid(FieldProblem("email", f"no user with e-mail {email.strip()} exists"))
    return user


def find_membership(session: Session, project: Project, user_id: int) -> Membership | None:
    query = select(Membership).where(
        Membership.project_id == project.id, Membership.user_id == user_id
    )
    return session.scalar(query)


def change_role(session: Session, project: Project, user_id: int, role: str) -> Membership:
    """A member's new role; the last owner cannot step down (409)."""
    membership = find_membership(session, project, user_id)
    if membership is None:
        raise not_found(f"member {user_id}")
    if membership.role == "owner" and role != "owner":
        refuse_if_last_owner(session, project)
    membership.role = role
    session.flush()
    return membership


def remove_member(session: Session, project: Project, user_id: int) -> None:
    membership = find_membership(session, project, user_id)
    if membership is None:
        raise not_found(f"member {user_id}")
    if membership.role == "owner":
        refuse_if_last_owner(session, project)
    session.delete(membership)
    session.flush()


def refuse_if_last_owner(session: Session, project: Project) -> None:
    owners = [member for member in list_members(session, project) if member.role == "owner"]
    if len(owners) <= 1:
        raise ApiError(409, "conflict", "a project must keep at least one owner")
