"""Phone numbers as people write them (projects/validation.py, pure): an international
dialling prefix instead of "+", extensions refused by name, and a number of another country
than the project's noticed."""

from __future__ import annotations

import pytest

from dialtrail.projects.validation import foreign_number_warning, normalise_phone_number

LONDON = "+442079460958"


@pytest.mark.parametrize(
    ("spelling", "country"),
    [
        ("0044 20 7946 0958", None),  # "00": the international prefix of most of the world
        ("0044 20 7946 0958", "UA"),
        ("0044 20 7946 0958", "US"),  # not a US prefix, but never a national number either
        ("00 44 (0)20 7946 0958", None),
        ("011 44 20 7946 0958", None),  # North America's
        ("011 44 20 7946 0958", "US"),
        ("011-44-20-7946-0958", "CA"),
        ("020 7946 0958", "GB"),
    ],
)
def test_it_reads_an_international_prefix_as_plus(spelling: str, country: str | None) -> None:
    assert normalise_phone_number(spelling, country) == LONDON


def test_a_national_number_starting_like_a_prefix_stays_national() -> None:
    assert normalise_phone_number("0113 496 0000", "GB") == "+441134960000"  # Leeds, not +13…


@pytest.mark.parametrize(
    "spelling",
    [
        "+44 20 7946 0958 ext. 5",
        "+44 20 7946 0958 x5",
        "+44 20 7946 0958 доб. 5",
        "+44 20 7946 0958 ext 5",
    ],
)
def test_an_extension_is_refused_by_name_never_dropped(spelling: str) -> None:
    with pytest.raises(ValueError, match=r"has an extension \(5\): give the number without it"):
        normalise_phone_number(spelling, None)


def test_a_bad_number_after_an_international_prefix_is_not_called_national() -> None:
    with pytest.raises(ValueError, match="is not a valid phone number"):
        normalise_phone_number("0044 20 7946 095", None)


def test_a_national_spelling_without_a_country_still_asks_for_the_country_code() -> None:
    with pytest.raises(ValueError, match="has no country code"):
        normalise_phone_number("(212) 555-0199", None)


def test_it_warns_about_a_number_of_another_country_than_the_projects() -> None:
    assert foreign_number_warning(LONDON, "US") == (
        "A number of GB, not of the project's country (US): visitors would dial abroad to call it"
    )
    assert foreign_number_warning(LONDON, "GB") is None
    assert foreign_number_warning(LONDON, None) is None
    assert foreign_number_warning("+80012345678", "US") is None  # freephone, no country
