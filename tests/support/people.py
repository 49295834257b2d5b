"""Personas for authorisation tests: an owner, a member, an outsider and a superuser.

Every endpoint gets its "requires auth" and "rejects the other account" tests with these.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from dialtrail.projects import accounts
from dialtrail.projects import service as projects
from dialtrail.projects.models import Membership, User
from dialtrail.projects.schemas import ProjectCreate
from tests.support.clients import http_client
from tests.support.databases import Database

PASSWORD = "correct horse battery staple"


@dataclass
class Person:
    user_id: int
    email: str
    token: str
    client: httpx.Client


@dataclass
class World:
    base_url: str
    owner: Person
    member: Person
    outsider: Person
    superuser: Person
    anonymous: httpx.Client
    project_id: int  # owned by owner, with member as a member
    other_project_id: int  # owned by outsider

    def close(self) -> None:
        for client in self.clients():
            client.close()

    def clients(self) -> list[httpx.Client]:
        people = [self.owner, self.member, self.outsider, self.superuser]
        return [person.client for person in people] + [self.anonymous]


def build_world(database: Database, base_url: str) -> World:
    with database.session() as session:
        people = {
            role: create_person(session, f"{role}@example.com", role == "superuser")
            for role in ("owner", "member", "outsider", "superuser")
        }
        owner, member, outsider = (people[r][0] for r in ("owner", "member", "outsider"))
        project = projects.create_project(session, owner, ProjectCreate(name="Acme"))
        session.add(Membership(project=project, user=member, role="member"))
        other = projects.create_project(session, outsider, ProjectCreate(name="Other"))
        session.commit()
        ids = {"project": project.id, "other": other.id}
    return World(
        base_url=base_url,
        **{role: person(base_url, *people[role]) for role in people},
        anonymous=http_client(base_url),
        project_id=ids["project"],
        other_project_id=ids["other"],
    )


# argon2 is slow on purpose: with the app's parameters a hash, and so every sign-in, costs
# ~0.13 s of CPU here. The personas' passwords are hashed with argon2's smallest parameters
# instead (a stored hash carries its parameters, and the app verifies any argon2 hash with
# them), so that the admin tests' sign-ins through the real form cost next to nothing; the
# sign-in tests themselves put the app's own hash back (app_password_hash).
CHEAP_PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@cache
def password_hash() -> str:
    return CHEAP_PASSWORD_HASHER.hash(PASSWORD)


@cache
def app_password_hash() -> str:
    """The shared password hashed as the app hashes passwords (once per run)."""
    return accounts.hash_password(PASSWORD)


def create_person(session: Session, email: str, superuser: bool) -> tuple[User, str]:
    user = User(email=email, password_hash=password_hash(), is_superuser=superuser)
    session.add(user)
    issued = accounts.issue_token(session, user, "tests")
    return user, issued.secret


def person(base_url: str, user: User, token: str) -> Person:
    client = http_client(base_url, headers={"Authorization": f"Bearer {token}"})
    return Person(user.id, user.email, token, client)


def declare_entity(world: World, **fields: Any) -> dict[str, Any]:
    """Declares a tracking entity in "Acme" as its owner (an expression, by default)."""
    body = {"type": "expression", "value": "x", **fields}
    response = world.owner.client.post(
        f"/api/v1/projects/{world.project_id}/tracking-entities", json=body
    )
    assert response.status_code == 201, response.text
    entity: dict[str, Any] = response.json()
    return entity
