"""A project's PBX connection settings (its adapter's table): read, changed, checked.

PATCH semantics as everywhere in the API: a field given as null is cleared, a field left out
is kept, so the write-only secret need not be sent again to change the host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dialtrail.calls.adapters.pbx.adapter import Pbx
from dialtrail.calls.adapters.pbx.connections import CONNECT_TIMEOUT, ConnectionProblem, Target
from dialtrail.calls.adapters.pbx.models import PbxSettingsColumns
from dialtrail.secrets import SecretBox, UnreadableSecret

FIELDS = ("host", "port", "username", "secret", "enabled")


def find(db: Session, pbx: Pbx, project_id: int) -> PbxSettingsColumns | None:
    found: PbxSettingsColumns | None = db.get(pbx.model, project_id)
    return found


def is_configured(pbx: Pbx, found: PbxSettingsColumns | None) -> bool:
    if found is None or not found.host or not found.secret:
        return False
    return bool(found.username) or not pbx.needs_username


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
    pbx: Pbx, target: Target, timeout: float = CONNECT_TIMEOUT
) -> CheckResult:
    """Connects and logs in as the listener would, then leaves."""
    try:
        connection = await pbx.login(target, timeout)
    except ConnectionProblem as problem:
        return CheckResult(False, problem.kind, problem.message)
    await connection.close()
    who = f" as {target.username}" if pbx.needs_username else ""
    return CheckResult(True, "ok", f"connected and logged in to {target.address}{who}")


def check_given(
    db: Session, pbx: Pbx, project_id: int, given: Mapping[str, Any], box: SecretBox
) -> CheckResult:
    """The check of settings typed and not saved: ``given`` over what is stored (the
    stored secret when none is given)."""
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
    db.rollback()  # no transaction held open while waiting on the network
    return asyncio.run(check_connection(pbx, target))


def check_stored(
    db: Session, pbx: Pbx, project_id: int, box: SecretBox, timeout: float = CONNECT_TIMEOUT
) -> CheckResult:
    """For a request handler (a thread without an event loop): the check of what is stored."""
    try:
        target = stored_target(pbx, find(db, pbx, project_id), box)
    except ConnectionProblem as problem:
        return CheckResult(False, problem.kind, problem.message)
    db.rollback()  # no transaction held open while waiting on the network
    return asyncio.run(check_connection(pbx, target, timeout))
