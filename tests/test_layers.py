"""Layers only point down (ARCHITECTURE.md, "Layers"): each package imports only packages of
lower layers, and the composition root wires what a lower layer calls but a higher one provides
(``wiring.py``). An import that points up or sideways fails here, naming the file.

HTTP route modules (``api.py``, ``*_api.py``, ``routes.py``) are the outermost part of their
package: they may import any domain package, though never the admin, the app or the CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "dialtrail"

# Lowest first. Packages on one line are independent of each other.
LAYERS = [
    ["settings"],
    ["described", "hooks", "secrets", "outbound", "storage", "privacy"],
    ["api"],
    ["projects"],
    ["entities"],
    ["sessions"],
    ["numbers"],
    ["calls"],
    ["webhooks", "collector", "tracker", "reports", "conversions"],
    ["admin", "demo", "demo_site", "subjects"],
    ["app", "cli", "serving", "wiring", "models", "storage.migrations"],
]
COMPOSITION = set(LAYERS[-1])
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
DOMAIN_TOP = RANK["reports"]


def unit(parts: tuple[str, ...]) -> str:
    """The layered unit a module belongs to: its top package (storage's migrations apart)."""
    if parts[:2] == ("storage", "migrations"):
        return "storage.migrations"
    return parts[0].removesuffix(".py")


def is_route_module(path: Path) -> bool:
    return path.stem in ("api", "routes") or path.stem.endswith("_api")


def imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("dialtrail.")}


def allowed(importer: str, target: str, route_module: bool) -> bool:
    if importer == target or importer in COMPOSITION:
        return True
    if route_module and RANK[importer] <= DOMAIN_TOP:
        return RANK[target] <= DOMAIN_TOP
    return RANK[target] < RANK[importer] and not same_layer(importer, target)


def same_layer(one: str, other: str) -> bool:
    return RANK[one] == RANK[other]


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        importer = unit(parts)
        for module in sorted(imported(path)):
            target = unit(tuple(module.split(".")[1:]))
            if not allowed(importer, target, is_route_module(path)):
                found.append(f"{'/'.join(parts)} imports {module} ({importer} → {target})")
    return found


def test_every_package_has_a_layer() -> None:
    packages = {unit(path.relative_to(PACKAGE).parts) for path in PACKAGE.rglob("*.py")}

    assert packages - {"__init__"} <= set(RANK), packages - set(RANK)


def test_imports_only_point_down() -> None:
    assert violations() == []


def test_the_check_sees_an_upward_import() -> None:
    assert not allowed("calls", "webhooks", route_module=False)
    assert not allowed("webhooks", "collector", route_module=False)
    assert allowed("webhooks", "calls", route_module=False)
    assert allowed("entities", "sessions", route_module=True)
    assert not allowed("entities", "admin", route_module=True)
