"""Attribution and snapshots through the real API, with leases and visits in the database."""

from __future__ import annotations

from tests.calls.conftest import CALLER, POOL_NUMBER, Scene, at
from tests.support.people import declare_entity

VISIT_ID = {"name": "visit_id", "type": "expression", "scope": "session", "value": "r7k12_si"}


def test_it_attributes_a_call_during_a_live_lease_with_the_value_seen_before_it(
    scene: Scene,
) -> None:
    declare_entity(scene.world, **VISIT_ID)
    session_id, key = scene.visit(utm_source="google", ga_client_id="123.456")
    number = scene.number()
    first = scene.page(session_id, "https://shop.example.com/", -10)
    contacts = scene.page(session_id, "https://shop.example.com/contacts", -2)
    scene.page(session_id, "https://shop.example.com/after-the-call", 1)
    scene.observe(session_id, "visit_id", "v-1", -10, first)
    scene.observe(session_id, "visit_id", "v-2", -2, contacts)
    scene.observe(session_id, "visit_id", "v-3", 0.5, contacts)  # after the call started
    scene.lease(number, session_id, -10, 3, renewed=-2)

    response = scene.report()

    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["attribution"], answer["session_id"], answer["duplicate"]) == (
        "session",
        key,
        False,
    )
    call = scene.call(answer["call_id"])
    assert answer["url"] == f"/api/v1/projects/{scene.world.project_id}/calls/{call.id}"
    assert call.entities == {
        "visit_id": {
            "value": "v-2",
            "observed_at": "2026-03-02T11:58:00Z",
            "page_url": "https://shop.example.com/contacts",
        }
    }
    assert call.visit["page_url"] == "https://shop.example.com/contacts"
    assert (call.visit["utm_source"], call.visit["ga_client_id"]) == ("google", "123.456")
    assert (call.visit["session_id"], call.visit["page_views"]) == (key, 2)
    assert (call.insertion_type, call.session_id, call.tracking_number) == (
        "dynamic",
        session_id,
        POOL_NUMBER,
    )


def test_it_keeps_the_first_value_for_keep_first_and_the_page_value_for_page_scope(
    scene: Scene,
) -> None:
    declare_entity(scene.world, **{**VISIT_ID, "keep": "first"})
    declare_entity(scene.world, name="step", scope="page_view", value="x")
    declare_entity(scene.world, name="never", value="x")
    declare_entity(scene.world, name="off", value="x", enabled=False)
    session_id, _ = scene.visit()
    number = scene.number()
    first = scene.page(session_id, "https://shop.example.com/", -10)
    second = scene.page(session_id, "https://shop.example.com/cart", -3)
    scene.observe(session_id, "visit_id", "v-1", -10, first)
    scene.observe(session_id, "visit_id", "v-2", -3, second)
    scene.observe(session_id, "step", "landing", -10, first)
    scene.observe(session_id, "step", None, -3, second)  # empty on the latest page
    scene.observe(session_id, "off", "hidden", -3, second)
    scene.lease(number, session_id, -10, 3)

    call = scene.call(scene.report().json()["call_id"])

    assert call.entities["visit_id"]["value"] == "v-1"
    assert call.entities["step"] == {
        "value": None,
        "observed_at": "2026-03-02T11:57:00Z",
        "page_url": "https://shop.example.com/cart",
    }
    assert call.entities["never"] == {"value": None, "observed_at": None, "page_url": None}
    assert "off" not in call.entities


def test_it_snapshots_a_visit_whose_pages_all_came_after_the_call_started(
    scene: Scene,
) -> None:
    declare_entity(scene.world, **VISIT_ID)
    declare_entity(scene.world, name="step", scope="page_view", value="x")
    session_id, key = scene.visit(utm_source="google")
    number = scene.number()
    later = scene.page(session_id, "https://shop.example.com/later", 1)
    scene.observe(session_id, "visit_id", "v-1", -5)  # before the call, on no page
    scene.observe(session_id, "step", "checkout", 1, later)
    scene.lease(number, session_id, -10, 3)

    call = scene.call(scene.report().json()["call_id"])

    assert (call.visit["session_id"], call.visit["utm_source"]) == (key, "google")
    assert (call.visit["page_views"], call.visit["page_url"]) == (0, None)
    assert call.entities == {
        "visit_id": {"value": "v-1", "observed_at": "2026-03-02T11:55:00Z", "page_url": None},
        "step": {"value": None, "observed_at": None, "page_url": None},
    }
    assert list(call.entities) == ["visit_id", "step"]  # in the order they were declared


def test_it_marks_a_call_on_a_shared_number_ambiguous_with_candidates(scene: Scene) -> None:
    number = scene.number()
    older, _ = scene.visit()
    newer, newer_key = scene.visit()
    scene.lease(number, older, -15, 5, renewed=-5)
    scene.lease(number, newer, -8, 5, renewed=-1, shared=True)

    answer = scene.report().json()

    call = scene.call(answer["call_id"])
    assert (answer["attribution"], answer["session_id"]) == ("ambiguous", newer_key)
    assert call.candidate_session_ids == [older]


def test_it_attributes_a_call_after_expiry_with_no_new_lease_as_late(scene: Scene) -> None:
    number = scene.number()
    session_id, key = scene.visit()
    scene.lease(number, session_id, -20, -10)  # expired, not closed yet

    answer = scene.report().json()

    assert (answer["attribution"], answer["session_id"]) == ("late", key)


def test_it_attributes_nothing_after_the_late_window(scene: Scene) -> None:
    number = scene.number()
    session_id, _ = scene.visit(started=-60)
    scene.lease(number, session_id, -60, -40, released=-40)  # late_call_seconds is 1800

    answer = scene.report().json()

    call = scene.call(answer["call_id"])
    assert (answer["attribution"], answer["session_id"]) == ("none", None)
    assert (call.insertion_type, call.visit, call.session_id) == ("dynamic", {}, None)


def test_it_labels_a_call_to_a_static_number(scene: Scene) -> None:
    scene.number("+380442223344", kind="static", label="Billboard A40")

    answer = scene.report(called="+380442223344").json()

    call = scene.call(answer["call_id"])
    assert (call.attribution, call.insertion_type, call.source_label) == (
        "static",
        "static",
        "Billboard A40",
    )


def test_it_records_a_call_to_an_unknown_number_unattributed(scene: Scene) -> None:
    declare_entity(scene.world, **VISIT_ID)

    answer = scene.report(called="+380445556677").json()

    call = scene.call(answer["call_id"])
    assert (call.attribution, call.insertion_type, call.tracking_number_id) == (
        "none",
        "none",
        None,
    )
    assert call.entities == {"visit_id": {"value": None, "observed_at": None, "page_url": None}}


def test_it_reads_a_national_spelling_with_the_projects_country(scene: Scene) -> None:
    patched = scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}", json={"country": "UA"}
    )
    assert patched.status_code == 200
    scene.number()

    answer = scene.report(called="044 111 22 33", caller="067 123 45 67").json()

    call = scene.call(answer["call_id"])
    assert (call.tracking_number, call.caller) == (POOL_NUMBER, CALLER)
    assert call.tracking_number_id is not None


def test_it_tells_a_first_call_from_a_repeat_call(scene: Scene) -> None:
    first = scene.report(call_id="CA1").json()
    again = scene.report(call_id="CA2", at=at(30)).json()
    withheld = scene.report(call_id="CA3", caller=None, at=at(40)).json()

    flags = [scene.call(answer["call_id"]).is_first_call for answer in (first, again, withheld)]
    assert flags == [True, False, False]
    assert scene.call(withheld["call_id"]).caller is None


def test_it_takes_the_destination_from_the_number_else_the_project(scene: Scene) -> None:
    scene.world.owner.client.patch(
        f"/api/v1/projects/{scene.world.project_id}", json={"destination": "+380501112233"}
    )
    scene.number()
    scene.number("+380442223344", kind="static", destination="sip:desk@pbx.example.com")

    pool = scene.report(call_id="CA1").json()
    static = scene.report(call_id="CA2", called="+380442223344").json()

    destinations = [scene.call(answer["call_id"]).destination for answer in (pool, static)]
    assert destinations == ["+380501112233", "sip:desk@pbx.example.com"]


def test_it_flags_a_caller_back_whose_earlier_call_named_another_visit(scene: Scene) -> None:
    # Days ago the caller rang this number from the first visit; today another visit holds it.
    number = scene.number()
    first, first_key = scene.visit(started=-3 * 24 * 60)
    now_holding, holding_key = scene.visit()
    scene.lease(number, first, -3 * 24 * 60, -3 * 24 * 60 + 10, released=-3 * 24 * 60 + 10)
    scene.lease(number, now_holding, -10, 5)
    earlier = scene.report(call_id="CA0", at=at(-3 * 24 * 60 + 5)).json()
    assert (earlier["attribution"], earlier["session_id"]) == ("session", first_key)

    answer = scene.report().json()

    assert (answer["attribution"], answer["session_id"]) == ("ambiguous", holding_key)
    assert scene.call(answer["call_id"]).candidate_session_ids == [first]


def test_a_withheld_caller_is_never_taken_for_a_caller_back(scene: Scene) -> None:
    number = scene.number()
    first, _ = scene.visit(started=-3 * 24 * 60)
    now_holding, holding_key = scene.visit()
    scene.lease(number, first, -3 * 24 * 60, -3 * 24 * 60 + 10, released=-3 * 24 * 60 + 10)
    scene.lease(number, now_holding, -10, 5)
    scene.report(call_id="CA0", caller="anonymous", at=at(-3 * 24 * 60 + 5))

    answer = scene.report(caller="anonymous").json()

    assert (answer["attribution"], answer["session_id"]) == ("session", holding_key)
