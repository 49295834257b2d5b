"""A session's channel: Google Analytics 4's default channel group, from the session's UTM
tags, click ids and referrer (docs/design.md §1; the rules, in order, in docs/reports.md).

Pure: values in, a channel name out. The collector stores it with the session when the visit
starts (its sources never change afterwards), so reports group by a column instead of
re-running these rules per row. GA4's rules read a session's *source*, *medium* and
*campaign*; a visit without UTM tags gets them the way GA4 does: a click id says who paid for
the click (``gclid``, ``gbraid``, ``wbraid`` Google, ``msclkid`` Bing, ``yclid`` Yandex:
``cpc``), a referrer gives its host as the source
(``organic`` for a search engine, ``referral`` otherwise), and nothing at all is
``(direct)`` / ``(none)``. Matching ignores case, as GA4's does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args
from urllib.parse import urlsplit

Channel = Literal[
    "Direct",
    "Cross-network",
    "Paid Shopping",
    "Paid Search",
    "Paid Social",
    "Paid Video",
    "Display",
    "Paid Other",
    "Organic Shopping",
    "Organic Social",
    "Organic Video",
    "Organic Search",
    "Referral",
    "Email",
    "Affiliates",
    "Audio",
    "SMS",
    "Mobile Push Notifications",
    "Unassigned",
]
CHANNELS: tuple[Channel, ...] = get_args(Channel)

# GA4's source categories (its published list of sites per category), the sites a visitor
# commonly arrives from. A bare name matches the source itself ("google") or any host that has
# it as a label ("www.google.co.uk", "l.facebook.com"); a name with a dot matches that host and
# its subdomains.
SEARCH_SITES = frozenset(
    {
        "google", "bing", "yahoo", "baidu", "yandex", "duckduckgo", "ecosia", "ask", "aol",
        "naver", "seznam", "qwant", "startpage", "sogou", "daum", "coccoc", "msn", "onet",
        "rambler", "so.com", "search.brave.com", "go.mail.ru", "yandex.ru", "search-results",
        "perplexity", "kagi",
    }
)  # fmt: skip
SOCIAL_SITES = frozenset(
    {
        "facebook", "fb", "instagram", "linkedin", "lnkd.in", "twitter", "t.co", "x.com",
        "pinterest", "reddit", "tiktok", "snapchat", "vk", "vk.com", "ok.ru", "tumblr", "quora",
        "whatsapp", "telegram", "t.me", "threads.net", "discord", "weibo", "messenger", "meta",
        "ig", "igshopping", "mastodon.social", "bsky.app", "xing", "nextdoor",
    }
)  # fmt: skip
VIDEO_SITES = frozenset(
    {
        "youtube", "youtu.be", "vimeo", "twitch", "dailymotion", "wistia", "netflix",
        "rutube", "vk.video",
    }
)  # fmt: skip
SHOPPING_SITES = frozenset(
    {
        "amazon", "ebay", "etsy", "walmart", "alibaba", "aliexpress", "shopify", "rakuten",
        "mercadolibre", "target.com", "shopping.google.com", "shopping.yahoo.com",
        "google shopping", "ozon", "wildberries", "allegro",
    }
)  # fmt: skip

# GA4's patterns, as its definitions write them (case ignored).
PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$", re.IGNORECASE)
SHOPPING_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$", re.IGNORECASE)
VIDEO_MEDIUM = re.compile(r"^(.*video.*)$", re.IGNORECASE)
DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
SOCIAL_MEDIUMS = frozenset(
    {"social", "social-network", "social-media", "sm", "social network", "social media"}
)
EMAIL_WORDS = frozenset({"email", "e-mail", "e_mail", "e mail"})
REFERRAL_MEDIUMS = frozenset({"referral", "app", "link"})
# Click ids of ad networks that mark a paid click: who the source is. Meta's fbclid is not
# among them: Facebook adds it to organic links too, so GA4 reads those by their referrer.
# gbraid and wbraid replace gclid on clicks from iOS devices; msclkid is Microsoft Advertising's.
PAID_CLICK_IDS = (
    ("gclid", "google"),
    ("gbraid", "google"),
    ("wbraid", "google"),
    ("msclkid", "bing"),
    ("yclid", "yandex"),
)


@dataclass(frozen=True)
class Traffic:
    """GA4's source, medium and campaign of a session, lower-cased ("" for none)."""

    source: str
    medium: str
    campaign: str


def channel_of(landing: Mapping[str, str | None], referrer: str | None) -> Channel:
    """The channel of a session whose landing page carried ``landing`` (``utm_*`` tags and
    click ids, as ``collector/sources.source_fields`` reads them) and came from ``referrer``."""
    return classify(traffic_of(landing, referrer))


def traffic_of(landing: Mapping[str, str | None], referrer: str | None) -> Traffic:
    host = referrer_host(referrer)
    source = landing.get("utm_source") or paid_click_source(landing) or host or "(direct)"
    medium = landing.get("utm_medium") or implied_medium(landing, host)
    campaign = landing.get("utm_campaign") or ""
    return Traffic(source.strip().lower(), medium.strip().lower(), campaign.strip().lower())


def paid_click_source(landing: Mapping[str, str | None]) -> str | None:
    for click_id, source in PAID_CLICK_IDS:
        if landing.get(click_id):
            return source
    return None


def implied_medium(landing: Mapping[str, str | None], host: str | None) -> str:
    if landing.get("utm_source"):
        return "(not set)"
    if paid_click_source(landing):
        return "cpc"
    if host is None:
        return "(none)"
    return "organic" if matches(host, SEARCH_SITES) else "referral"


def referrer_host(referrer: str | None) -> str | None:
    """The referring page's host without ``www.``; None for none or an unreadable one."""
    if not referrer:
        return None
    try:
        host = urlsplit(referrer.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def matches(source: str, sites: frozenset[str]) -> bool:
    """Does the source (a name or a host) belong to one of these sites?"""
    if source in sites:
        return True
    labels = source.split(".")
    for start in range(len(labels)):
        if ".".join(labels[start:]) in sites:
            return True
    return any(label in sites for label in labels[:-1])


@lru_cache(maxsize=4096)
def classify(traffic: Traffic) -> Channel:
    """GA4's rules in GA4's order: the first that holds names the channel. Cached: the
    collector classifies every new session, and a site's sessions come from a few sources
    (the rules cost about 0.1 ms a session)."""
    for channel, rule in RULES:
        if rule(traffic):
            return channel
    return "Unassigned"


def is_paid(traffic: Traffic) -> bool:
    return bool(PAID_MEDIUM.match(traffic.medium))


def is_shopping(traffic: Traffic) -> bool:
    return matches(traffic.source, SHOPPING_SITES) or bool(
        SHOPPING_CAMPAIGN.match(traffic.campaign)
    )


def is_direct(traffic: Traffic) -> bool:
    return traffic.source == "(direct)" and traffic.medium in {"(not set)", "(none)"}


def is_mobile_push(traffic: Traffic) -> bool:
    medium = traffic.medium
    return medium.endswith("push") or "mobile" in medium or "notification" in medium


RULES: tuple[tuple[Channel, Callable[[Traffic], bool]], ...] = (
    ("Direct", is_direct),
    ("Cross-network", lambda traffic: "cross-network" in traffic.campaign),
    ("Paid Shopping", lambda traffic: is_shopping(traffic) and is_paid(traffic)),
    ("Paid Search", lambda traffic: matches(traffic.source, SEARCH_SITES) and is_paid(traffic)),
    ("Paid Social", lambda traffic: matches(traffic.source, SOCIAL_SITES) and is_paid(traffic)),
    ("Paid Video", lambda traffic: matches(traffic.source, VIDEO_SITES) and is_paid(traffic)),
    ("Display", lambda traffic: traffic.medium in DISPLAY_MEDIUMS),
    ("Paid Other", is_paid),
    ("Organic Shopping", is_shopping),
    (
        "Organic Social",
        lambda traffic: matches(traffic.source, SOCIAL_SITES) or traffic.medium in SOCIAL_MEDIUMS,
    ),
    (
        "Organic Video",
        lambda traffic: (
            matches(traffic.source, VIDEO_SITES) or bool(VIDEO_MEDIUM.match(traffic.medium))
        ),
    ),
    (
        "Organic Search",
        lambda traffic: matches(traffic.source, SEARCH_SITES) or traffic.medium == "organic",
    ),
    ("Referral", lambda traffic: traffic.medium in REFERRAL_MEDIUMS),
    ("Email", lambda traffic: traffic.source in EMAIL_WORDS or traffic.medium in EMAIL_WORDS),
    ("Affiliates", lambda traffic: traffic.medium == "affiliate"),
    ("Audio", lambda traffic: traffic.medium == "audio"),
    ("SMS", lambda traffic: traffic.source == "sms" or traffic.medium == "sms"),
    ("Mobile Push Notifications", is_mobile_push),
)
