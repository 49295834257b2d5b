"""Every GA4 default channel rule (sessions/channels.py, docs/reports.md), one case or more
each, in GA4's order; then how a visit without UTM tags gets its source and medium."""

from __future__ import annotations

import pytest

from dialtrail.sessions.channels import CHANNELS, Traffic, channel_of, classify, traffic_of

pytestmark = pytest.mark.storage_agnostic


def tags(
    source: str | None = None, medium: str | None = None, campaign: str | None = None
) -> dict[str, str | None]:
    return {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}


RULE_CASES = [
    # (utm_source, utm_medium, utm_campaign, channel)
    ("(direct)", "(none)", None, "Direct"),
    ("(direct)", "(not set)", None, "Direct"),
    ("google", "cpc", "pmax cross-network", "Cross-network"),
    ("amazon", "cpc", None, "Paid Shopping"),
    ("google", "cpc", "winter-shop", "Paid Shopping"),
    ("newsletter", "paid", "shopping week", "Paid Shopping"),
    ("google", "cpc", "winter", "Paid Search"),
    ("bing", "ppc", None, "Paid Search"),
    ("www.google.co.uk", "paidsearch", None, "Paid Search"),
    ("Google", "CPC", None, "Paid Search"),
    ("facebook", "cpc", None, "Paid Social"),
    ("l.facebook.com", "paid_social", None, "Paid Social"),
    ("linkedin", "retargeting", None, "Paid Social"),
    ("youtube", "cpv", None, "Paid Video"),
    ("partner-site", "display", None, "Display"),
    ("dsp", "banner", None, "Display"),
    ("dsp", "cpm", None, "Display"),  # holds "cp" too: Display is checked before Paid Other
    ("partner-site", "paid", None, "Paid Other"),
    ("ebay", "listing", None, "Organic Shopping"),
    ("blog", "listing", "shop-the-look", "Organic Shopping"),
    ("instagram", "bio", None, "Organic Social"),
    ("t.co", None, None, "Organic Social"),
    ("forum", "social-network", None, "Organic Social"),
    ("vimeo", "embed", None, "Organic Video"),
    ("partner-site", "video-review", None, "Organic Video"),
    ("duckduckgo", "listing", None, "Organic Search"),
    ("partner-site", "organic", None, "Organic Search"),
    ("partner-site", "referral", None, "Referral"),
    ("partner-site", "link", None, "Referral"),
    ("partner-site", "app", None, "Referral"),
    ("newsletter", "email", None, "Email"),
    ("e-mail", "weekly", None, "Email"),
    ("partner-site", "affiliate", None, "Affiliates"),
    ("radio-ad", "audio", None, "Audio"),
    ("sms", "text", None, "SMS"),
    ("operator", "sms", None, "SMS"),
    ("app", "web-push", None, "Mobile Push Notifications"),
    ("app", "mobile-alert", None, "Mobile Push Notifications"),
    ("app", "notification", None, "Mobile Push Notifications"),
    ("billboard", "qr", None, "Unassigned"),
    ("partner-site", None, None, "Unassigned"),
]


@pytest.mark.parametrize(("source", "medium", "campaign", "channel"), RULE_CASES)
def test_it_classifies_utm_tags_by_ga4s_rules(
    source: str, medium: str | None, campaign: str | None, channel: str
) -> None:
    assert channel_of(tags(source, medium, campaign), referrer=None) == channel


def test_every_channel_has_a_case() -> None:
    assert {case[3] for case in RULE_CASES} == set(CHANNELS)


def test_the_first_rule_that_holds_wins() -> None:
    # Search site and social medium: Organic Social comes before Organic Search.
    assert classify(Traffic("google", "social", "")) == "Organic Social"
    # Email source with referral medium: Referral comes before Email.
    assert classify(Traffic("email", "referral", "")) == "Referral"


def test_a_visit_with_nothing_is_direct() -> None:
    assert traffic_of({}, None) == Traffic("(direct)", "(none)", "")
    assert channel_of({}, "") == "Direct"


def test_a_search_engine_referrer_is_organic_search() -> None:
    assert traffic_of({}, "https://www.google.de/") == Traffic("google.de", "organic", "")
    assert channel_of({}, "https://www.bing.com/search?q=plumber") == "Organic Search"


def test_a_social_referrer_is_organic_social_and_another_site_is_a_referral() -> None:
    assert channel_of({}, "https://l.facebook.com/l.php") == "Organic Social"
    assert channel_of({"fbclid": "IwAR"}, "https://m.facebook.com/") == "Organic Social"
    assert channel_of({}, "https://blog.example.org/post") == "Referral"


def test_a_google_or_yandex_click_id_is_paid_search() -> None:
    assert traffic_of({"gclid": "Cj0"}, "https://www.google.com/") == Traffic("google", "cpc", "")
    assert channel_of({"gclid": "Cj0"}, None) == "Paid Search"
    assert channel_of({"yclid": "483"}, "https://ya.ru/") == "Paid Search"


def test_an_ios_google_click_id_is_google_paid_search_and_msclkid_bing_paid_search() -> None:
    for click_id in ("gbraid", "wbraid"):
        assert traffic_of({click_id: "0AAAAA"}, None) == Traffic("google", "cpc", "")
    msclkid = {"msclkid": "f894f652ea334e73"}
    assert traffic_of(msclkid, "https://www.bing.com/") == Traffic("bing", "cpc", "")
    assert channel_of(msclkid, None) == "Paid Search"


def test_utm_tags_win_over_click_ids_and_the_referrer() -> None:
    landing = {"utm_source": "newsletter", "utm_medium": "email", "gclid": "Cj0"}

    assert channel_of(landing, "https://www.google.com/") == "Email"


def test_a_utm_source_without_a_medium_has_medium_not_set() -> None:
    assert traffic_of(tags("partner-site"), None).medium == "(not set)"


def test_an_unreadable_referrer_counts_as_none() -> None:
    assert channel_of({}, "http://[not-an-address/") == "Direct"
