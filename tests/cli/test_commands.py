"""The ``dialtrail`` command, run as a real process against both databases."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dialtrail import settings
from dialtrail.calls.models import Call
from dialtrail.demo import bot_gate_hint
from dialtrail.projects import accounts
from dialtrail.projects.models import Project
from dialtrail.sessions.models import WebSession
from tests.support.clients import get, http_client
from tests.support.collector import Visit
from tests.support.databases import TEST_SECRET_KEY, Database
from tests.support.processes import DIALTRAIL, database_url, run, run_with, serving


def test_a_newcomer_gets_a_token_and_declares_the_seed_entity(database: Database) -> None:
    url = database_url(database)
    assert "(no change)" in run(url, "migrate").stdout
    admin = run(url, "createadmin", "--email", "Owner@Example.com")
    assert admin.returncode == 0, admin.stderr
    token = run(url, "token", "create", "--name", "crm").stdout.strip().splitlines()[-1]
    assert token.startswith("dt_")

    headers = {"Authorization": f"Bearer {token}"}
    with (
        serving({"DIALTRAIL_DATABASE_URL": url}) as base_url,
        http_client(base_url, headers=headers) as client,
    ):
        project = client.post("/api/v1/projects", json={"name": "Shop"}).json()
        entities = f"/api/v1/projects/{project['id']}/tracking-entities"
        seed = {"name": "visit_id", "type": "expression", "scope": "session", "value": "r7k12_si"}
        created = client.post(entities, json=seed)
        listed = client.get(entities).json()["items"]

    assert created.status_code == 201, created.text
    assert [item["name"] for item in listed] == ["visit_id"]


def test_createadmin_prints_a_generated_password_that_works(database: Database) -> None:
    result = run(database_url(database), "createadmin", "--email", "root@example.com")

    password = result.stdout.strip().splitlines()[-1].removeprefix("password: ")
    with database.session() as session:
        user = accounts.find_user(session, "root@example.com")
        assert user is not None
        assert user.is_superuser
        assert accounts.verify_password(user, password)
        assert not accounts.verify_password(user, password + "x")


def test_createadmin_refuses_a_duplicate_and_a_short_password(database: Database) -> None:
    url = database_url(database)
    run(url, "createadmin", "--email", "root@example.com", "--password", "long enough")

    duplicate = run(url, "createadmin", "--email", "ROOT@example.com", "--password", "x" * 9)
    short = run(url, "createadmin", "--email", "other@example.com", "--password", "short")

    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    assert short.returncode == 1
    assert "at least 8 characters" in short.stderr
    assert "Traceback" not in duplicate.stderr + short.stderr


def test_token_create_needs_to_know_whose_token_it_is(database: Database) -> None:
    url = database_url(database)
    run(url, "createadmin", "--email", "a@example.com", "--password", "long enough")
    run(url, "createadmin", "--email", "b@example.com", "--password", "long enough")

    ambiguous = run(url, "token", "create", "--name", "x")
    named = run(url, "token", "create", "--name", "x", "--email", "b@example.com")

    assert ambiguous.returncode == 1
    assert "--email" in ambiguous.stderr
    assert named.returncode == 0
    assert named.stdout.strip().splitlines()[-1].startswith("dt_")


def test_token_list_and_revoke(database: Database) -> None:
    url = database_url(database)
    run(url, "createadmin", "--email", "a@example.com", "--password", "long enough")
    run(url, "token", "create", "--name", "crm")

    revoked = run(url, "token", "revoke", "1")
    listing = run(url, "token", "list").stdout

    assert revoked.returncode == 0
    assert "\trevoked\t" in listing
    assert "crm" in listing


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite3").touch()
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = run(url, "serve")

    assert result.returncode == 1
    assert f"the database at {url} has no Dialtrail schema" in result.stderr
    assert "run `dialtrail migrate` first" in result.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    # `dialtrail export-subject … | head`: the pipe closes before the command has printed.
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    environment = {**os.environ, "DIALTRAIL_DATABASE_URL": url}
    with subprocess.Popen(
        [DIALTRAIL, "migrate"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()  # the reader is gone before the first line
        errors = process.stderr.read().decode()
        assert process.wait(timeout=60) == 1
    assert errors == ""  # as any command in a pipe whose reader stopped: no traceback


def test_a_bad_setting_is_named_at_start(tmp_path: Path) -> None:
    result = run_with({"DIALTRAIL_PORT": "eighty"}, "migrate", cwd=tmp_path)
    assert result.returncode == 1
    assert "DIALTRAIL_PORT='eighty' is invalid" in result.stderr


def test_first_start_seeds_once_into_the_default_sqlite_file(tmp_path: Path) -> None:
    def dialtrail(*arguments: str) -> subprocess.CompletedProcess[str]:
        result = run_with({"DIALTRAIL_DATABASE_URL": None}, *arguments, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result

    assert "rolled up" not in dialtrail("migrate").stdout  # a new database: nothing to say
    first = dialtrail("demo", "--first-start").stdout
    second = dialtrail("demo", "--first-start").stdout
    again = dialtrail("migrate").stdout.splitlines()
    assert again[1:] == ["rolled up the reports' last 30 days of 1 project"]

    assert (tmp_path / "var" / "dialtrail.sqlite3").is_file()
    assert "admin@dialtrail.local" in first
    assert "Password:" in first
    assert second == ""
    token = next(word for word in first.split() if word.startswith("dt_"))
    with serving({"DIALTRAIL_DATABASE_URL": "sqlite:///var/dialtrail.sqlite3"}, tmp_path) as base:
        entities = get(
            base + "/api/v1/projects/1/tracking-entities",
            headers={"Authorization": f"Bearer {token}"},
        ).json()["items"]
    assert [(e["name"], e["value"]) for e in entities] == [("visit_id", "r7k12_si")]


@pytest.mark.parametrize("command", ["--help", "token --help", "demo --help"])
def test_help_is_available(command: str, tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'x.sqlite3'}", *command.split())
    assert result.returncode == 0
    assert "usage: dialtrail" in result.stdout


def test_createuser_makes_a_user_who_is_not_a_superuser(database: Database) -> None:
    result = run(database_url(database), "createuser", "--email", "agent@example.com")

    assert result.returncode == 0, result.stderr
    assert "created user agent@example.com" in result.stdout
    with database.session() as session:
        user = accounts.find_user(session, "agent@example.com")
        assert user is not None
        assert not user.is_superuser


def test_demo_twice_reuses_the_demo_project(database: Database) -> None:
    url = database_url(database)
    first = run(url, "demo").stdout
    second = run(url, "demo").stdout

    assert "Password:" in first
    assert "Password:" not in second
    assert "Demo project: 1 " in first
    assert "Demo project: 1 " in second
    pool = "Number pool:  +12125550140, +12125550141, +12125550142, +12125550143, +12125550144"
    assert pool in first
    assert pool in second  # added once, listed again
    assert "HeadlessChrome" in first  # a newcomer's headless browser sees the site's number


@pytest.mark.storage_agnostic
def test_the_demo_mentions_the_bot_gate_only_while_it_is_on() -> None:
    assert "DIALTRAIL_LEASE_TO_BOTS=1" in " ".join(bot_gate_hint(settings.load({})))
    assert bot_gate_hint(settings.load({"DIALTRAIL_LEASE_TO_BOTS": "1"})) == []


@pytest.mark.storage_agnostic
@pytest.mark.parametrize(
    ("trusted", "stored"),
    [("127.0.0.1", "203.0.113.0"), ("10.9.9.9", "127.0.0.0"), ("*", "203.0.113.0")],
)
def test_serve_believes_forwarded_for_only_from_trusted_proxies(
    database: Database, trusted: str, stored: str
) -> None:
    with database.session() as session:
        project = Project(name="Behind a proxy", public_key="proxied-" + trusted.replace("*", "x"))
        session.add(project)
        session.commit()
        key = project.public_key
    environment = {
        "DIALTRAIL_DATABASE_URL": database_url(database),
        "DIALTRAIL_FORWARDED_ALLOW_IPS": trusted,
    }
    with serving(environment) as base_url:
        # The test talks to the server from 127.0.0.1, as a proxy on the same host would.
        forwarded = Visit(base_url, key)
        answer = forwarded.post(
            "pageview",
            {**forwarded.ids(), "url": "https://shop.example.com/", "values": {}},
            **{"X-Forwarded-For": "203.0.113.57"},
        )
        assert answer.status_code == 200, answer.text
    with database.session() as session:
        ips = {
            row.key: row.ip
            for row in session.scalars(
                select(WebSession).where(WebSession.project_id == project.id)
            )
        }
    assert ips[forwarded.session] == stored


def test_a_bad_forwarded_allow_ips_is_named_at_start(tmp_path: Path) -> None:
    result = run_with({"DIALTRAIL_FORWARDED_ALLOW_IPS": "proxy.local"}, "migrate", cwd=tmp_path)
    assert result.returncode == 1
    assert "DIALTRAIL_FORWARDED_ALLOW_IPS='proxy.local' is invalid" in result.stderr


@pytest.mark.parametrize("on_path", [False, True], ids=["venv-not-on-path", "venv-on-path"])
def test_the_commands_demo_prints_work_when_pasted(database: Database, on_path: bool) -> None:
    # `make run` runs .venv/bin/dialtrail from the checkout, whose .venv/bin is not on PATH.
    program = Path(DIALTRAIL)
    checkout, venv_bin = program.parent.parent.parent, program.parent.resolve()
    others = [
        part for part in os.environ["PATH"].split(os.pathsep) if Path(part).resolve() != venv_bin
    ]
    environment = {
        **os.environ,
        "PATH": os.pathsep.join([str(venv_bin), *others] if on_path else others),
        "DIALTRAIL_DATABASE_URL": database_url(database),
        "DIALTRAIL_SECRET_KEY": TEST_SECRET_KEY,
    }
    shown = subprocess.run(
        [program, "demo"], env=environment, cwd=checkout, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    line = next(line for line in shown.stdout.splitlines() if "Then call:" in line)
    command = line.split("Then call:", 1)[1].split("(", 1)[0].replace("NUMBER", "+12125550140")

    pasted = subprocess.run(
        ["bash", "-c", command], env=environment, cwd=checkout, capture_output=True, text=True
    )

    assert pasted.returncode == 0, f"{command!r}: {pasted.stderr}"
    assert command.split()[0] == ("dialtrail" if on_path else ".venv/bin/dialtrail")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 1
