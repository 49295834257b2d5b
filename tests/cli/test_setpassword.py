"""`dialtrail setpassword` (and any password change) signs the user out of every admin
sign-in: whoever knew the old password may hold one."""

from __future__ import annotations

from sqlalchemy import func, select

from dialtrail.projects import accounts
from dialtrail.projects.models import LoginSession
from tests.support.admin import signed_in
from tests.support.databases import Database
from tests.support.people import World
from tests.support.processes import database_url, run


def login_count(database: Database, user_id: int) -> int:
    with database.session() as session:
        query = select(func.count()).select_from(LoginSession)
        return session.scalar(query.where(LoginSession.user_id == user_id)) or 0


def test_setpassword_signs_the_user_out_everywhere(world: World, database: Database) -> None:
    first, _ = signed_in(world.base_url, world.owner.email)
    second, _ = signed_in(world.base_url, world.owner.email)
    other, _ = signed_in(world.base_url, world.member.email)
    try:
        result = run(
            database_url(database),
            "setpassword",
            "--email",
            world.owner.email,
            "--password",
            "a new password",
        )

        assert result.returncode == 0, result.stderr
        assert "signed out of 2 admin sign-in(s)" in result.stdout
        for client in (first, second):
            page = client.get("/admin/account/tokens")
            assert page.status_code == 303
            assert page.headers["location"].startswith("/admin/login")
        assert other.get("/admin/account/tokens").status_code == 200
        assert login_count(database, world.owner.user_id) == 0
    finally:
        for client in (first, second, other):
            client.close()


def test_set_password_ends_the_users_login_sessions_only(world: World, database: Database) -> None:
    for email in (world.owner.email, world.member.email):
        signed_in(world.base_url, email)[0].close()

    with database.session() as session:
        user = accounts.find_user(session, world.owner.email)
        assert user is not None
        assert accounts.set_password(session, user, "another password") == 1
        session.commit()
        assert accounts.verify_password(user, "another password")

    assert login_count(database, world.owner.user_id) == 0
    assert login_count(database, world.member.user_id) == 1
