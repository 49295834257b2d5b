"""The one-time store behind Post/Redirect/Get: taken once, per login session, for a while."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialtrail.admin.flash import LIFETIME, MAX_PER_KIND, FlashStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_a_value_is_taken_once_by_its_own_login_session() -> None:
    store = FlashStore()
    store.put(1, "new_token", "dt_secret", NOW)

    assert store.take(2, "new_token", NOW) == []
    assert store.take(1, "notice", NOW) == []
    assert store.take(1, "new_token", NOW) == ["dt_secret"]
    assert store.take(1, "new_token", NOW) == []


def test_a_value_nobody_came_for_is_forgotten() -> None:
    store = FlashStore()
    store.put(1, "new_token", "dt_secret", NOW)

    assert store.take(1, "new_token", NOW + LIFETIME) == []


def test_expired_values_of_other_sessions_go_when_something_is_put() -> None:
    store = FlashStore()
    store.put(1, "new_token", "dt_secret", NOW)
    store.put(2, "notice", "Saved.", NOW + LIFETIME + timedelta(seconds=1))

    assert list(store._entries) == [(2, "notice")]


def test_one_session_cannot_pile_up_more_than_the_bound() -> None:
    store = FlashStore()
    for number in range(MAX_PER_KIND + 5):
        store.put(1, "notice", number, NOW)

    assert store.take(1, "notice", NOW) == list(range(5, MAX_PER_KIND + 5))
