"""``make migration NAME=...``: autogenerate an Alembic revision from the models.

Runs against a scratch SQLite database migrated to head, so it needs no server; review the
generated file (and write PostgreSQL-specific parts by hand) before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from dialtrail.storage.engine import create_sqlite_engine
from dialtrail.storage.migrate import make_revision, upgrade


def main(message: str) -> None:
    if not message.strip():
        raise SystemExit('usage: make migration NAME="what the revision does"')
    with tempfile.TemporaryDirectory() as directory:
        engine = create_sqlite_engine(f"sqlite:///{Path(directory) / 'scratch.sqlite3'}", 10)
        upgrade(engine)
        make_revision(engine, message)
        engine.dispose()


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]))
