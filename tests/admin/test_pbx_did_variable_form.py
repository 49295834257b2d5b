"""Project settings → FreeSWITCH: the header holding the dialled number is saved from the form,
a bad one is shown at its field (nothing saved), and Asterisk's section has no such field."""

from __future__ import annotations

import html
import re

from tests.admin.conftest import SignedIn
from tests.support.people import World

FREESWITCH = "/api/v1/projects/{}/telephony/freeswitch"


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no error at {field}"
    return html.unescape(found.group(1))


def test_the_did_variable_is_saved_from_the_form(owner: SignedIn, world: World) -> None:
    form = {"host": "10.0.0.6", "did_variable": "variable_sip_to_user", "enabled": "on"}
    saved = owner.post(f"{owner.project}/settings/pbx/freeswitch", **form)
    assert saved.status_code == 303, saved.text

    stored = world.owner.client.get(FREESWITCH.format(world.project_id)).json()
    assert stored["did_variable"] == "variable_sip_to_user"
    page = owner.client.get(f"{owner.project}/settings").text
    assert 'name="did_variable" value="variable_sip_to_user"' in page
    assert page.count('name="did_variable"') == 1  # FreeSWITCH's section only


def test_a_bad_did_variable_is_shown_at_its_field(owner: SignedIn, world: World) -> None:
    form = {"host": "10.0.0.6", "did_variable": "sip_to_user", "enabled": "on"}
    refused = owner.post(f"{owner.project}/settings/pbx/freeswitch", **form)

    assert refused.status_code == 422
    assert "variable_sip_to_user" in field_error(refused.text, "freeswitch-did_variable")
    assert world.owner.client.get(FREESWITCH.format(world.project_id)).json()["host"] is None
