"""Account → Password (your own, ending your other sign-ins but not this one) and a superuser's
reset of a user's password (ending all of theirs): CSRF, the password rules, who may."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from dialtrail.projects import accounts
from dialtrail.projects.models import LoginSession, User
from tests.admin.conftest import Clock, SignedIn
from tests.support.admin import attempt_sign_in, browser_client, signed_in
from tests.support.databases import Database
from tests.support.people import PASSWORD, World

NEW = "violet staple river lamp"


def sign_in_count(database: Database, user_id: int) -> int:
    with database.session() as session:
        query = select(func.count()).select_from(LoginSession)
        return session.scalar(query.where(LoginSession.user_id == user_id)) or 0


def password_is(database: Database, user_id: int, password: str) -> bool:
    with database.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return accounts.verify_password(user, password)


def is_signed_in(client: httpx.Client) -> bool:
    answer = client.get("/admin/account/tokens")
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


def change(
    owner: SignedIn, current: str = PASSWORD, new: str = NEW, again: str | None = None
) -> httpx.Response:
    return owner.post(
        "/admin/account/password",
        current_password=current,
        password=new,
        password_again=new if again is None else again,
    )


def test_changing_your_password_ends_your_other_sign_ins_and_keeps_this_one(
    world: World, owner: SignedIn, database: Database
) -> None:
    laptop, _ = signed_in(world.base_url, world.owner.email)
    colleague, _ = signed_in(world.base_url, world.member.email)

    changed = change(owner)

    assert changed.status_code == 303
    assert changed.headers["location"] == "/admin/account/password"
    page = owner.client.get("/admin/account/password")
    assert "Your password was changed. 1 other sign-in was ended" in page.text
    assert "Your password was changed" not in owner.client.get("/admin/account/password").text
    assert is_signed_in(owner.client)
    assert not is_signed_in(laptop)
    assert is_signed_in(colleague)  # another user's sign-ins are not touched
    assert password_is(database, world.owner.user_id, NEW)
    with browser_client(world.base_url) as fresh:
        assert attempt_sign_in(fresh, world.owner.email, NEW).status_code == 303
    assert world.owner.client.get("/api/v1/projects").status_code == 200  # tokens stay
    laptop.close()
    colleague.close()


def test_a_wrong_current_password_changes_nothing(
    world: World, owner: SignedIn, database: Database
) -> None:
    laptop, _ = signed_in(world.base_url, world.owner.email)

    refused = change(owner, current="not my password")

    assert refused.status_code == 422
    assert 'id="current_password-error">That is not your current password.' in refused.text
    assert password_is(database, world.owner.user_id, PASSWORD)
    assert is_signed_in(laptop)
    laptop.close()


def test_the_new_password_follows_the_password_rules_and_must_be_typed_twice_alike(
    world: World, owner: SignedIn, database: Database
) -> None:
    short = change(owner, new="seven77")
    assert short.status_code == 422
    assert 'id="password-error">The password must have at least 8 characters.' in short.text

    typo = change(owner, again=NEW + "x")
    assert typo.status_code == 422
    assert "The two new passwords differ: type the same one twice." in typo.text

    assert password_is(database, world.owner.user_id, PASSWORD)
    assert sign_in_count(database, world.owner.user_id) == 1


def test_changing_your_password_needs_the_forms_csrf_token(
    world: World, owner: SignedIn, database: Database
) -> None:
    form = {"current_password": PASSWORD, "password": NEW, "password_again": NEW}
    assert owner.client.post("/admin/account/password", data=form).status_code == 403
    other_session, csrf = signed_in(world.base_url, world.member.email)
    stolen = owner.client.post("/admin/account/password", data={**form, "csrf_token": csrf})
    assert stolen.status_code == 403
    assert password_is(database, world.owner.user_id, PASSWORD)
    other_session.close()


def test_guessing_the_current_password_is_slowed_like_a_sign_in(
    world: World, clocked_server: str, clock: Clock, database: Database
) -> None:
    client, csrf = signed_in(clocked_server, world.owner.email)
    guess = {"csrf_token": csrf, "password": NEW, "password_again": NEW}
    for _ in range(4):
        answer = client.post("/admin/account/password", data={**guess, "current_password": "x"})
        assert answer.status_code == 422

    waiting = client.post("/admin/account/password", data={**guess, "current_password": PASSWORD})
    assert waiting.status_code == 429
    assert "Too many wrong passwords from your network. Try again in 2 seconds." in waiting.text
    assert password_is(database, world.owner.user_id, PASSWORD)
    clock.advance(seconds=2)
    done = client.post("/admin/account/password", data={**guess, "current_password": PASSWORD})
    assert done.status_code == 303
    client.close()


def test_a_superuser_resets_a_users_password_and_ends_all_their_sign_ins(
    world: World, database: Database
) -> None:
    superuser, csrf = signed_in(world.base_url, world.superuser.email)
    member_browser, _ = signed_in(world.base_url, world.member.email)
    member_phone, _ = signed_in(world.base_url, world.member.email)
    url = f"/admin/users/{world.member.user_id}/password"
    form = superuser.get(url)
    assert form.status_code == 200
    assert "Reset the password of member@example.com" in form.text

    short = superuser.post(url, data={"csrf_token": csrf, "password": "short"})
    assert short.status_code == 422
    assert "The password must have at least 8 characters." in short.text
    assert superuser.post(url, data={"password": NEW}).status_code == 403
    assert is_signed_in(member_browser)

    reset = superuser.post(url, data={"csrf_token": csrf, "password": NEW})
    assert reset.status_code == 303
    assert reset.headers["location"] == "/admin/users"
    users = superuser.get("/admin/users").text
    assert "The password of member@example.com was changed. Their 2 sign-ins were ended" in users
    assert not is_signed_in(member_browser)
    assert not is_signed_in(member_phone)
    assert is_signed_in(superuser)
    assert password_is(database, world.member.user_id, NEW)
    for client in (superuser, member_browser, member_phone):
        client.close()


def test_only_a_superuser_may_reset_a_password(world: World, database: Database) -> None:
    url = f"/admin/users/{world.member.user_id}/password"
    for person in (world.owner, world.member):
        client, csrf = signed_in(world.base_url, person.email)
        assert client.get(url).status_code == 404
        assert client.post(url, data={"csrf_token": csrf, "password": NEW}).status_code == 404
        client.close()
    assert password_is(database, world.member.user_id, PASSWORD)
    superuser, _ = signed_in(world.base_url, world.superuser.email)
    assert superuser.get("/admin/users/999999/password").status_code == 404
    assert superuser.get("/admin/users/abc/password").status_code == 404
    superuser.close()
