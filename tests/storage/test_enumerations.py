"""Each enumeration is written once (a Literal in its domain's models), and the database checks
exactly its values: the constraint the model derives from the Literal is the one the
migrations created. Alembic's comparison does not look at check constraints, so this does."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from sqlalchemy import CheckConstraint, text

from dialtrail.calls.models import Disposition
from dialtrail.calls.schemas import CallOut
from dialtrail.models import metadata
from dialtrail.storage import migrate
from dialtrail.storage.base import one_of
from dialtrail.storage.engine import create_engine
from tests.support.databases import settings_for, sqlite_url


def created_tables(tmp_path: Path) -> dict[str, str]:
    """Each table's CREATE statement in a freshly migrated SQLite database (it keeps the
    constraints' text as written)."""
    engine = create_engine(settings_for(sqlite_url(tmp_path)))
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type='table'"))
        tables = {name: " ".join(sql.split()) for name, sql in rows}
    engine.dispose()
    return tables


def test_every_checked_enumeration_is_the_one_the_migrations_created(tmp_path: Path) -> None:
    tables = created_tables(tmp_path)
    checks = [
        (table.name, constraint)
        for table in metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint) and " IN (" in str(constraint.sqltext)
    ]

    assert len(checks) >= 12
    for table_name, constraint in checks:
        assert f"CHECK ({constraint.sqltext})" in tables[table_name], constraint.name


def test_a_check_lists_the_literals_values_and_lets_null_through_when_asked() -> None:
    check = one_of("disposition", get_args(Disposition), nullable=True)

    assert str(check.sqltext) == (
        "disposition IS NULL OR disposition IN "
        "('answered', 'no_answer', 'busy', 'failed', 'voicemail')"
    )


def test_the_api_documents_the_same_values() -> None:
    schema = CallOut.model_json_schema()["properties"]["disposition"]

    assert {"enum": list(get_args(Disposition)), "type": "string"} in schema["anyOf"]
