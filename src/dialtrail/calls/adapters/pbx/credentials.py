"""A project's PBX connection settings (its adapter's table): read, changed, checked.

PATCH semantics as everywhere in the API: a field given as null is cleared, a field left out
is kept, so the write-only secret need not be sent again to change the host.

*Check connection* must not become a way to probe the network from the server: it reaches
only the host and port saved for the project (an owner's doing, as the listener's own
connection is), only on the networks the operator allows (networks.py), at most
CHECKS_PER_MINUTE times a minute per project and PBX (counted on the settings row, so every
server process counts the same), and its messages never repeat what a service that is not
the PBX answered (docs/telephony.md, "Which addresses a PBX may be on").
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update as update_statement
from sqlalchemy.orm import Session

from dialtrail.api.errors import invalid_field
from dialtrail.calls.adapters.pbx.adapter import Pbx
from dialtrail.calls.adapters.pbx.connections import CONNECT_TIMEOUT, ConnectionProblem, Target
from dialtrail.calls.adapters.pbx.models import PbxSettingsColumns
from dialtrail.calls.adapters.pbx.networks import Network, literal_refusal
from dialtrail.secrets import SecretBox, UnreadableSecret

FIELDS = ("host", "port", "username", "secret", "enabled")
CHECKS_PER_MINUTE = 5


def find(db: Session, pbx: Pbx, project_id: int) -> PbxSettingsColumns | None:
    found: PbxSettingsColumns | None = db.get(pbx.model, project_id)
    return found


def is_configured(pbx: Pbx, found: PbxSettingsColumns | None) -> bool:
    if found is None or not found.host or not found.secret:
        return False
    return bool(found.username) or not pbx.needs_username


def refuse_host(given: Mapping[str, Any], networks: Sequence[Network]) -> None:
    """A 422 naming ``host`` for an IP address outside the allowed networks (a host name is
    checked when connecting, after resolution)."""
    refused = literal_refusal(given.get("host") or "", networks) if given.get("host") else None
    if refused is not None:
        raise invalid_field("host", refused)


def update(
    db: Session, pbx: Pbx, project_id: int, given: Mapping[str, Any], box: SecretBox
) -> PbxSettingsColumns | None:
    """``given``: the fields the client sent (the secret in clear). A project that sets
    nothing gets no row (the settings form always sends every box, empty for most projects)."""
    found = find(db, pbx, project_id)
    if found is None and not any(value for name, value in given.items() if name != "enabled"):
        return None
    if found is None:
        found = pbx.model()
        found.project_id = project_id
    for name, value in given.items():
        if name == "secret":
            found.secret = box.seal(value) if value else None
        elif name == "enabled":
            found.enabled = True if value is None else bool(value)
        else:
            setattr(found, name, value)
    db.add(found)
    db.flush()
    return found


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    kind: str  # ok | not_configured | refused | timed_out | wrong_credentials | …
    message: str


def stored_target(pbx: Pbx, found: PbxSettingsColumns | None, box: SecretBox) -> Target:
    """Where the stored settings point, or ConnectionProblem("not_configured")."""
    if found is None or not is_configured(pbx, found):
        needed = "host, user and secret" if pbx.needs_username else "host and password"
        raise ConnectionProblem("not_configured", f"set the {needed} first, then save")
    assert found.host is not None
    assert found.secret is not None
    try:
        secret = box.open(found.secret)
    except UnreadableSecret as error:
        raise ConnectionProblem("not_configured", str(error)) from None
    return Target(found.host, found.port or pbx.default_port, found.username or "", secret)


async def check_connection(
    pbx: Pbx, target: Target, networks: Sequence[Network], timeout: float = CONNECT_TIMEOUT
) -> CheckResult:
    """Connects and logs in as the listener would, then leaves."""
    try:
        connection = await pbx.login(target, timeout, networks)
    except ConnectionProblem as problem:
        return CheckResult(False, problem.kind, problem.message)
    await connection.close()
    who = f" as {target.username}" if pbx.needs_username else ""
    return CheckResult(True, "ok", f"connected and logged in to {target.address}{who}")


def too_many_checks(recent: Sequence[str], now: datetime) -> CheckResult | None:
    """Pure: the refusal when CHECKS_PER_MINUTE checks ran in the last minute."""
    times = [datetime.fromisoformat(text) for text in recent]
    within = [moment for moment in times if now - moment < timedelta(minutes=1)]
    if len(within) < CHECKS_PER_MINUTE:
        return None
    wait = math.ceil((min(within) + timedelta(minutes=1) - now).total_seconds())
    return CheckResult(
        False,
        "too_many_checks",
        f"at most {CHECKS_PER_MINUTE} checks a minute for this PBX: try again in {wait} s",
    )


def checked(
    db: Session, pbx: Pbx, found: PbxSettingsColumns, target: Target,
    networks: Sequence[Network], now: datetime, timeout: float = CONNECT_TIMEOUT,
) -> CheckResult:  # fmt: skip
    """Counts the check, commits (no transaction held open while waiting on the network),
    then connects."""
    recent = list(found.recent_checks or [])
    refused = too_many_checks(recent, now)
    if refused is not None:
        return refused
    db.execute(
        update_statement(pbx.model)
        .where(pbx.model.project_id == found.project_id)
        .values(recent_checks=[now.isoformat(), *recent][:CHECKS_PER_MINUTE],
                updated_at=pbx.model.updated_at)  # the settings' own time stays
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    db.commit()
    return asyncio.run(check_connection(pbx, target, networks, timeout))


def check_given(
    db: Session, pbx: Pbx, project_id: int, given: Mapping[str, Any], box: SecretBox,
    networks: Sequence[Network], now: datetime,
) -> CheckResult:  # fmt: skip
    """The check of settings typed and not saved: ``given`` over what is stored (the
    stored secret when none is given). The host and port must be the saved ones: the typed
    user and secret are tried there, nothing reaches another address."""
    found = find(db, pbx, project_id)
    merged = {field: getattr(found, field) if found else None for field in FIELDS}
    merged.update({field: value for field, value in given.items() if field != "secret"})
    sealed = box.seal(given["secret"]) if given.get("secret") else merged["secret"]
    draft = pbx.model()
    draft.host, draft.port, draft.username = merged["host"], merged["port"], merged["username"]
    draft.secret = sealed
    try:
        target = stored_target(pbx, draft, box)
    except ConnectionProblem as problem:
        return CheckResult(False, problem.kind, problem.message)
    if found is None or (found.host, found.port or pbx.default_port) != (target.host, target.port):
        return CheckResult(
            False,
            "not_saved",
            "save the host and port first: Check connection reaches only the host and port "
            "saved for the project",
        )
    return checked(db, pbx, found, target, networks, now)


def check_stored(
    db: Session, pbx: Pbx, project_id: int, box: SecretBox, networks: Sequence[Network],
    now: datetime, timeout: float = CONNECT_TIMEOUT,
) -> CheckResult:  # fmt: skip
    """For a request handler (a thread without an event loop): the check of what is stored."""
    found = find(db, pbx, project_id)
    try:
        target = stored_target(pbx, found, box)
    except ConnectionProblem as problem:
        return CheckResult(False, problem.kind, problem.message)
    assert found is not None
    return checked(db, pbx, found, target, networks, now, timeout)
