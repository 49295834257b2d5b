"""ARCHITECTURE.md names every module of the package, so that the next maintainer finds each one
described where the tree is explained (STYLE: the repository explains itself)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "dialtrail"


def modules() -> list[Path]:
    found = PACKAGE.rglob("*.py")
    return sorted(
        path
        for path in found
        if path.name != "__init__.py" and "versions" not in path.relative_to(PACKAGE).parts
    )


def test_architecture_names_every_module() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    unnamed = [
        str(path.relative_to(PACKAGE))
        for path in modules()
        if not re.search(rf"\b{re.escape(path.stem)}\b", text, re.IGNORECASE)
    ]
    assert modules(), "no module found: the test looks in the wrong place"
    assert unnamed == [], f"ARCHITECTURE.md does not name {unnamed}"
