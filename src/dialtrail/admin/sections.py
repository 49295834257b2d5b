"""The navigation: each project section is one entry here, one module of routes and one
folder of templates. A new section (numbers, calls, webhooks) adds an entry and a router."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    slug: str  # the URL part: /admin/projects/{id}/{slug}
    label: str
    group: str  # the navigation heading it sits under


PROJECT_SECTIONS: tuple[Section, ...] = (
    Section("dashboard", "Dashboard", "Call tracking"),
    Section("reports", "Reports", "Call tracking"),
    Section("entities", "Tracking entities", "Call tracking"),
    Section("numbers", "Numbers", "Call tracking"),
    Section("sessions", "Sessions", "Call tracking"),
    Section("calls", "Calls journal", "Call tracking"),
    Section("integrations", "All integrations", "Integrations"),
    Section("webhooks", "Webhooks 2.0", "Integrations"),
    Section("ads-conversions", "Ads conversions", "Integrations"),
    Section("installation", "Installation", "Set-up"),
    Section("settings", "Project settings", "Set-up"),
    Section("members", "Members", "Set-up"),
)

SECTION_SLUGS = frozenset(section.slug for section in PROJECT_SECTIONS)
# A project opens on its first section: after sign-in, and when switching from a page of no
# section (the account's pages).
FIRST_SECTION = PROJECT_SECTIONS[0].slug


def groups() -> list[tuple[str, list[Section]]]:
    ordered: dict[str, list[Section]] = {}
    for section in PROJECT_SECTIONS:
        ordered.setdefault(section.group, []).append(section)
    return list(ordered.items())
