"""The files' deliveries log: each fetch of a project's conversion file, served or refused, the
newest ``KEPT_FETCHES`` per file (docs/integrations.md, "Fetches"). A refused fetch is kept
only for a project that has credentials (so ids cannot be probed through the log, and a
project without them has nothing to diagnose); the cap keeps anyone's refused fetches from
growing the table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from dialtrail.conversions.models import AdsFileFetch
from dialtrail.conversions.rows import Network
from dialtrail.conversions.service import find_credentials

KEPT_FETCHES = 20
USER_AGENT_LENGTH = 200


def record_fetch(
    db: Session,
    project_id: int,
    network: Network,
    now: datetime,
    rows: int | None,
    user_agent: str | None,
) -> None:
    """``rows`` of a served file; None: the fetch was refused (401)."""
    if rows is None and find_credentials(db, project_id) is None:
        return
    db.add(
        AdsFileFetch(
            project_id=project_id,
            network=network,
            fetched_at=now,
            status=401 if rows is None else 200,
            rows=rows,
            user_agent=(user_agent or "")[:USER_AGENT_LENGTH] or None,
        )
    )
    db.flush()
    forget_old_fetches(db, project_id, network)


def forget_old_fetches(db: Session, project_id: int, network: Network) -> None:
    oldest_kept = db.scalar(
        of_file(project_id, network)
        .with_only_columns(AdsFileFetch.id)
        .offset(KEPT_FETCHES - 1)
        .limit(1)
    )
    if oldest_kept is not None:
        db.execute(
            delete(AdsFileFetch).where(
                AdsFileFetch.project_id == project_id,
                AdsFileFetch.network == network,
                AdsFileFetch.id < oldest_kept,
            )
        )


def recent_fetches(db: Session, project_id: int, network: Network) -> list[AdsFileFetch]:
    """Newest first."""
    return list(db.scalars(of_file(project_id, network)))


def of_file(project_id: int, network: Network) -> Select[AdsFileFetch]:
    return (
        select(AdsFileFetch)
        .where(AdsFileFetch.project_id == project_id, AdsFileFetch.network == network)
        .order_by(AdsFileFetch.id.desc())
    )
