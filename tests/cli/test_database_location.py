"""Where the data is: a command run outside the checkout must not quietly create a second,
empty database in the current directory; it names the database it looked for and how to
point it at the real one (DIALTRAIL_DATABASE_URL). Real processes, real files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.support.databases import TEST_SECRET_KEY
from tests.support.processes import run_with

DEFAULT_URL = "sqlite:///var/dialtrail.sqlite3"
COMMANDS = [
    ["simulate-call", "--project", "1", "--to", "+1 212 555 0140"],
    ["demo"],
    ["createadmin", "--email", "admin@example.com"],
    ["token", "list"],
    ["prune", "--older-than", "90d"],
    ["serve"],
    ["worker"],
]


def dialtrail(
    cwd: Path, *arguments: str, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    variables = {"DIALTRAIL_DATABASE_URL": database_url, "DIALTRAIL_SECRET_KEY": TEST_SECRET_KEY}
    return run_with(variables, *arguments, cwd=cwd)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_a_command_outside_the_checkout_creates_no_database(
    command: list[str], tmp_path: Path
) -> None:
    result = dialtrail(tmp_path, *command)

    assert result.returncode == 1
    expected = tmp_path / "var" / "dialtrail.sqlite3"
    assert f"no database at {expected} (DIALTRAIL_DATABASE_URL={DEFAULT_URL};" in result.stderr
    assert "Set DIALTRAIL_DATABASE_URL to your database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "var").exists()


def test_the_checkouts_database_is_reached_from_elsewhere_by_its_url(tmp_path: Path) -> None:
    checkout, elsewhere = tmp_path / "checkout", tmp_path / "elsewhere"
    checkout.mkdir()
    elsewhere.mkdir()
    assert dialtrail(checkout, "migrate").returncode == 0
    assert dialtrail(checkout, "demo", "--first-start").returncode == 0

    url = f"sqlite:///{checkout / 'var' / 'dialtrail.sqlite3'}"
    call = dialtrail(elsewhere, *COMMANDS[0], database_url=url)

    assert call.returncode == 0, call.stderr
    assert call.stdout.startswith("call 1: ")
    assert not (elsewhere / "var").exists()


def test_migrate_creates_the_database_where_it_is_told(tmp_path: Path) -> None:
    created = dialtrail(tmp_path, "migrate")

    assert created.returncode == 0, created.stderr
    assert (tmp_path / "var" / "dialtrail.sqlite3").is_file()
    assert dialtrail(tmp_path, "token", "list", "--email", "nobody@example.com").stderr == (
        "dialtrail: error: no user with e-mail nobody@example.com\n"
    )


def test_an_unknown_postgresql_database_is_named_without_its_password(
    postgres_url: str, tmp_path: Path
) -> None:
    url = make_url(postgres_url).set(database="dialtrail_nowhere", password="s3cret-pass")
    typed = url.render_as_string(hide_password=False)

    for command in (["migrate"], ["demo"]):
        result = dialtrail(tmp_path, *command, database_url=typed)
        assert result.returncode == 1
        assert "cannot open the database at postgresql+psycopg://" in result.stderr
        assert "/dialtrail_nowhere: " in result.stderr
        assert "check DIALTRAIL_DATABASE_URL" in result.stderr
        assert "s3cret-pass" not in result.stderr
        assert "Traceback" not in result.stderr
