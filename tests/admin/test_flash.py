"""The one-time store behind Post/Redirect/Get: taken once, per login session, for a while,
kept in the database (any server process may serve the page after the redirect)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialtrail.admin import flash, logins
from dialtrail.admin.models import AdminFlash
from dialtrail.projects.accounts import create_user
from dialtrail.projects.models import LoginSession
from dialtrail.secrets import SecretBox
from tests.support.databases import TEST_SECRET_KEY, Database

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BOX = SecretBox(TEST_SECRET_KEY)


def sign_in(db: Session, email: str) -> LoginSession:
    user = create_user(db, email, "a long enough password")
    token = logins.start(db, user, NOW, "test", "127.0.0.1")
    login = logins.find(db, token, NOW)
    assert login is not None
    return login


def test_a_value_is_taken_once_by_its_own_login_session(database: Database) -> None:
    with database.session() as db:
        mine, theirs = sign_in(db, "a@example.com"), sign_in(db, "b@example.com")
        flash.put(db, BOX, mine, "new_token", {"secret": "dt_secret"}, NOW)
        db.commit()

        assert flash.take(db, BOX, theirs, "new_token", NOW) == []
        assert flash.take(db, BOX, mine, "notice", NOW) == []
        assert flash.take(db, BOX, mine, "new_token", NOW) == [{"secret": "dt_secret"}]
        assert flash.take(db, BOX, mine, "new_token", NOW) == []


def test_the_value_is_sealed_in_the_database(database: Database) -> None:
    with database.session() as db:
        login = sign_in(db, "a@example.com")
        flash.put(db, BOX, login, "new_token", "dt_secret", NOW)
        db.commit()

        stored = db.scalar(select(AdminFlash.sealed_value))
    assert stored is not None
    assert "dt_secret" not in stored


def test_a_value_nobody_came_for_is_forgotten(database: Database) -> None:
    with database.session() as db:
        login = sign_in(db, "a@example.com")
        flash.put(db, BOX, login, "new_token", "dt_secret", NOW)

        assert flash.take(db, BOX, login, "new_token", NOW + flash.LIFETIME) == []


def test_expired_values_of_other_sessions_go_when_something_is_put(database: Database) -> None:
    with database.session() as db:
        first, second = sign_in(db, "a@example.com"), sign_in(db, "b@example.com")
        flash.put(db, BOX, first, "new_token", "dt_secret", NOW)
        later = NOW + flash.LIFETIME + timedelta(seconds=1)
        flash.put(db, BOX, second, "notice", "Saved.", later)

        assert db.scalars(select(AdminFlash.login_session_id)).all() == [second.id]


def test_one_session_cannot_pile_up_more_than_the_bound(database: Database) -> None:
    with database.session() as db:
        login = sign_in(db, "a@example.com")
        for number in range(flash.MAX_PER_KIND + 5):
            flash.put(db, BOX, login, "notice", number, NOW)

        assert flash.take(db, BOX, login, "notice", NOW) == list(range(5, flash.MAX_PER_KIND + 5))


def test_signing_out_takes_the_waiting_values_with_it(database: Database) -> None:
    with database.session() as db:
        login = sign_in(db, "a@example.com")
        flash.put(db, BOX, login, "new_token", "dt_secret", NOW)
        logins.end(db, login)
        db.commit()

        assert db.scalar(select(func.count()).select_from(AdminFlash)) == 0
