"""``dialtrail demo``: an admin and a demo project, so that a newcomer has something to see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialtrail.entities import service as entities
from dialtrail.entities.schemas import EntityCreate
from dialtrail.numbers import service as numbers
from dialtrail.numbers.models import TrackingNumber
from dialtrail.numbers.requests import NumbersCreate
from dialtrail.projects import accounts
from dialtrail.projects import service as projects
from dialtrail.projects.models import Membership, Project, User
from dialtrail.projects.schemas import ProjectCreate
from dialtrail.settings import Settings

DEMO_ADMIN = "admin@dialtrail.local"
DEMO_PROJECT = "Demo site"
DEMO_POOL = [f"+1 212 555 01{last:02d}" for last in range(40, 45)]


def seed_demo(session: Session, config: Settings, command: str = "dialtrail") -> list[str]:
    """Creates what is missing and returns the lines to print (credentials appear once);
    ``command`` is how the user types ``dialtrail`` (cli.typed_command)."""
    lines = [
        # Not "ready": `make run` prints this before `dialtrail serve` has bound its port, and
        # serve announces the address itself once it accepts connections (serving.py).
        f"Demo data for the server at {config.public_url} (`serve` says when it is ready):",
        f"  Admin UI:     {config.public_url}/admin/",
    ]
    user = accounts.find_user(session, DEMO_ADMIN)
    if user is None:
        user, password = create_demo_admin(session)
        lines += [
            f"  Admin e-mail: {DEMO_ADMIN}",
            f"  Password:     {password}   (shown once; change it with "
            f"`{command} setpassword --email {DEMO_ADMIN}`)",
        ]
    issued = accounts.issue_token(session, user, "demo")
    project = find_demo_project(session, user) or create_demo_project(session, user)
    pool = ensure_demo_pool(session, project)
    lines += [
        f"  API token:    {issued.secret}   (shown once)",
        f"  Demo project: {project.id} {project.name!r}, tracking entity visit_id <- r7k12_si",
        f"  Number pool:  {', '.join(pool)} (the demo page shows one of them in place of "
        f"{project.site_numbers[0]})",
        *bot_gate_hint(config),
        f"  Demo website: {config.public_url}/demo/{project.public_key}/  (visit it, then list "
        f"the sessions: {config.public_url}/api/v1/projects/{project.id}/sessions)",
        f"  Then call:    {command} simulate-call --project {project.id} --to NUMBER  (the "
        f"number the demo page shows; the call appears at "
        f"{config.public_url}/api/v1/projects/{project.id}/calls)",
        f"  Try: curl -H 'Authorization: Bearer {issued.secret}' "
        f"{config.public_url}/api/v1/projects/{project.id}/tracking-entities",
    ]
    return lines


def bot_gate_hint(config: Settings) -> list[str]:
    """A newcomer who opens the demo page in a headless browser sees the site's own number,
    since bots get no lease (docs/numbers.md), and would think tracking is broken."""
    if config.lease_to_bots:
        return []
    return [
        "                (a headless or bot browser, e.g. HeadlessChrome, sees the site's own "
        "number: bots get no lease unless DIALTRAIL_LEASE_TO_BOTS=1)"
    ]


def ensure_demo_pool(session: Session, project: Project) -> list[str]:
    """Five fictional 555-01xx numbers, added once (a user's own changes are left alone)."""
    has_numbers = session.scalar(
        select(TrackingNumber.id).where(TrackingNumber.project_id == project.id).limit(1)
    )
    if has_numbers is None:
        numbers.add_numbers(session, project, NumbersCreate(numbers=DEMO_POOL))
    query = select(TrackingNumber.number).where(
        TrackingNumber.project_id == project.id,
        TrackingNumber.kind == "pool",
        TrackingNumber.removed_at.is_(None),
    )
    return list(session.scalars(query.order_by(TrackingNumber.number)))


def create_demo_admin(session: Session) -> tuple[User, str]:
    password = accounts.generate_password()
    return accounts.create_user(session, DEMO_ADMIN, password, superuser=True), password


def find_demo_project(session: Session, owner: User) -> Project | None:
    query = (
        select(Project)
        .join(Membership)
        .where(Membership.user_id == owner.id, Project.name == DEMO_PROJECT)
        .order_by(Project.id)
    )
    return session.scalars(query).first()


def create_demo_project(session: Session, owner: User) -> Project:
    project = projects.create_project(
        session,
        owner,
        ProjectCreate(name=DEMO_PROJECT, site_numbers=["+1 212 555 0123"], timezone="UTC"),
    )
    entities.create_entity(
        session,
        project,
        EntityCreate(
            name="visit_id",
            type="expression",
            scope="session",
            value="r7k12_si",
            description="The site's own visit id, kept in the JS variable r7k12_si.",
        ),
    )
    return project
