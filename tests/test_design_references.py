"""Every ``docs/design.md §N`` the code, tests, benchmarks and docs cite is a section of
docs/design.md, and nothing cites a design document outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITED = re.compile(r"design\.md §(\d+)")
SECTION = re.compile(r"^## §(\d+) ", re.MULTILINE)
PLACES = ("src", "tests", "benchmarks", "docs")
TOP_FILES = ("ARCHITECTURE.md", "README.md")


def texts() -> dict[str, str]:
    files = [path for place in PLACES for path in (ROOT / place).rglob("*") if path.is_file()]
    files += [ROOT / name for name in TOP_FILES]
    found = {}
    for path in files:
        if path.suffix in {".py", ".md", ".js", ".html", ".json"}:
            found[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8", errors="ignore")
    return found


def test_every_cited_section_exists() -> None:
    sections = set(SECTION.findall((ROOT / "docs" / "design.md").read_text(encoding="utf-8")))
    cited = {(name, number) for name, text in texts().items() for number in CITED.findall(text)}

    assert len(sections) >= 8
    assert len(cited) > 50, "the citations were not found: the test looks in the wrong place"
    assert sorted(place for place in cited if place[1] not in sections) == []


def test_nothing_cites_a_design_outside_the_repository() -> None:
    stale = [name for name, text in texts().items() if re.search(r"DESIGN( §|\.md)", text)]

    assert stale == []
