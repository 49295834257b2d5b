"""``dialtrail export-subject`` and ``dialtrail erase``, run as real processes: an access or
erasure request answered with one command (docs/privacy.md)."""

from __future__ import annotations

import json

from tests.subjects.conftest import Site
from tests.support.processes import database_url, run

CALLER = "+380671234501"


def test_one_command_exports_a_subject(site: Site) -> None:
    subject = site.subject(CALLER)
    url = database_url(site.database)
    project = str(site.world.project_id)

    exported = run(url, "export-subject", "--project", project, "--session", subject.visit.session)

    assert exported.returncode == 0, exported.stderr
    found = json.loads(exported.stdout)
    assert [session["id"] for session in found["sessions"]] == [subject.visit.session]
    assert [call["caller"] for call in found["calls"]] == [CALLER]


def test_one_command_erases_a_subject(site: Site) -> None:
    subject = site.subject(CALLER)
    url = database_url(site.database)
    project = str(site.world.project_id)

    erased = run(url, "erase", "--project", project, "--caller", CALLER, "--by", "dpo ticket 7")

    assert erased.returncode == 0, erased.stderr
    assert "erased 1 call, 1 session, 2 page views" in erased.stdout
    assert site.found(subject.traces()) == []
    log = site.world.owner.client.get(f"/api/v1/projects/{project}/erasures").json()["items"]
    assert [(entry["selector_kind"], entry["requested_by"]) for entry in log] == [
        ("caller", "dpo ticket 7")
    ]


def test_a_command_without_a_subject_or_with_an_unknown_project_fails_saying_why(
    site: Site,
) -> None:
    url = database_url(site.database)

    unnamed = run(url, "erase", "--project", str(site.world.project_id))
    unknown = run(url, "erase", "--project", "999", "--visitor", "x")

    assert unnamed.returncode != 0
    assert "one of the arguments --visitor --session --ga-client-id --caller" in unnamed.stderr
    assert unknown.returncode == 1
    assert "no project has id 999" in unknown.stderr
