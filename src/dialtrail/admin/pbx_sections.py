"""What Project settings shows of each self-hosted PBX (Asterisk, FreeSWITCH): its form, its
connection state, the last Check connection and the last events with their outcome. Built
here, apart from the routes (pbx_settings.py), so project_settings.py can show them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from dialtrail.admin.forms import FormErrors
from dialtrail.calls.adapters.pbx import credentials
from dialtrail.calls.adapters.pbx.adapter import Pbx
from dialtrail.calls.adapters.pbx.credentials import CheckResult
from dialtrail.calls.adapters.pbx.models import PbxSettingsColumns
from dialtrail.calls.adapters.registry import LISTENERS
from dialtrail.projects.models import Project


@dataclass
class PbxForm:
    """What a request adds to a PBX's section: what was typed and refused, or a check."""

    values: dict[str, Any] | None = None
    errors: FormErrors = field(default_factory=FormErrors)
    check: CheckResult | None = None


@dataclass(frozen=True)
class PbxSection:
    pbx: Pbx
    found: PbxSettingsColumns | None
    values: dict[str, Any]
    errors: FormErrors
    check: CheckResult | None

    @property
    def configured(self) -> bool:
        return credentials.is_configured(self.pbx, self.found)

    @property
    def secret_stored(self) -> bool:
        return bool(self.found and self.found.secret)

    @property
    def state(self) -> str:
        return self.found.state if self.found else "off"

    @property
    def recent_events(self) -> list[dict[str, Any]]:
        return list(self.found.recent_events or []) if self.found else []


def stored_values(found: PbxSettingsColumns | None) -> dict[str, Any]:
    if found is None:
        return {"host": "", "port": "", "username": "", "did_variable": "", "enabled": True}
    return {
        "host": found.host or "",
        "port": found.port or "",
        "username": found.username or "",
        "did_variable": getattr(found, "did_variable", None) or "",
        "enabled": found.enabled,
    }


def pbx_sections(
    db: Session, project: Project, forms: Mapping[str, PbxForm] | None = None
) -> list[PbxSection]:
    sections = []
    for name, pbx in LISTENERS.items():
        form = (forms or {}).get(name) or PbxForm()
        found = credentials.find(db, pbx, project.id)
        values = form.values if form.values is not None else stored_values(found)
        sections.append(PbxSection(pbx, found, values, form.errors, form.check))
    return sections
