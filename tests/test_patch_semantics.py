"""PATCH means the same on every resource (api.schemas.with_defaults, docs/api.md): null puts a
field back to its default, and a field without one cannot be null, named in a 422."""

from __future__ import annotations

import pytest

from dialtrail.api.errors import ApiError
from dialtrail.api.schemas import with_defaults


def test_null_goes_back_to_the_default_and_other_values_stay() -> None:
    given = {"scope": None, "keep": "first", "description": None, "country": None}
    defaults = {"scope": "session", "keep": "last", "description": ""}

    assert with_defaults(given, defaults) == {
        "scope": "session",
        "keep": "first",
        "description": "",
        "country": None,  # no default: cleared
    }


def test_every_required_field_sent_as_null_is_named_at_once() -> None:
    with pytest.raises(ApiError) as refused:
        with_defaults(
            {"name": None, "url": None, "enabled": None},
            {"enabled": True},
            ("name", "url", "events"),
        )

    assert refused.value.status == 422
    assert [problem.field for problem in refused.value.fields] == ["name", "url"]
