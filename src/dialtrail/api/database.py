"""The per-request database session.

Routes commit explicitly before they return, so a 2xx is only ever sent for committed data;
anything raised before that rolls the whole request back (no partial writes).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session
        # Routes have committed their own writes already; this keeps bookkeeping such as a
        # token's last use, which may land after the response.
        session.commit()


DatabaseSession = Annotated[Session, Depends(get_session)]


def current_time(request: Request) -> datetime:
    """The app's clock (injected by tests, so leases and sessions can be aged without
    sleeping)."""
    now: datetime = request.app.state.clock()
    return now


Now = Annotated[datetime, Depends(current_time)]
