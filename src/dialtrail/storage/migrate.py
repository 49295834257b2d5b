"""Running Alembic migrations from code: ``dialtrail migrate``, start-up checks and tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


class ForwardOnly(RuntimeError):
    """Dialtrail's migrations only go forward (STYLE.md): the way back is a backup."""


def refuse_downgrade(revision: str) -> None:
    """Every revision's ``downgrade()``: explain, rather than half-undo a schema holding data."""
    raise ForwardOnly(
        f"revision {revision} cannot be undone: Dialtrail migrations are forward-only; "
        "restore the backup taken before `dialtrail migrate` to go back"
    )


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def make_revision(engine: Engine, message: str) -> None:
    """Autogenerates a revision against a database at head (developer use: `make migration`)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
