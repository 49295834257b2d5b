"""A non-editable install (`pip install .`, docs/deployment.md) carries only the files that
pyproject.toml lists as package data: a template or script left out works in a checkout and
fails on a server."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "dialtrail"


def package_data_patterns() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        patterns: list[str] = tomllib.load(file)["tool"]["setuptools"]["package-data"]["dialtrail"]
    return patterns


def matches(relative: str, pattern: str) -> bool:
    """Glob matching as setuptools does it: ``*`` never crosses a ``/``."""
    parts, wanted = relative.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(map(fnmatchcase, parts, wanted))


def data_files() -> list[str]:
    """Every file setuptools would not pick up as a module: anything but Python, and Python
    files in folders that are not packages (the migrations' versions, say)."""
    return sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not is_module(path)
    )


def is_module(path: Path) -> bool:
    return path.suffix == ".py" and (path.parent / "__init__.py").is_file()


def test_every_file_the_package_reads_is_installed() -> None:
    patterns = package_data_patterns()
    files = data_files()

    missing = [file for file in files if not any(matches(file, p) for p in patterns)]

    assert "tracker/static/dialtrail.js" in files  # the walk found the package's data
    assert missing == [], f"add these to [tool.setuptools.package-data]: {missing}"


def test_a_file_one_folder_deeper_than_the_patterns_is_reported() -> None:
    patterns = package_data_patterns()

    assert not any(matches("admin/templates/webhooks/deep/page.html", p) for p in patterns)
    assert any(matches("admin/templates/webhooks/page.html", p) for p in patterns)
