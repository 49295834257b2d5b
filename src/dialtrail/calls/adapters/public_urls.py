"""The URLs a provider's console is given for a project, built from ``DIALTRAIL_BASE_URL``,
and what is wrong with that base URL, if anything (the Twilio, Telnyx and Vonage set-up
sections; Twilio's, whose signature also covers the URL, says more of a missing base URL in
twilio/console.py)."""

from __future__ import annotations


def hook_url(public_url: str, provider: str, project_id: int, hook: str) -> str:
    return f"{public_url}/telephony/{provider}/{project_id}/{hook}"


def base_url_warning(
    base_url: str, public_url: str, provider: str, carrying: str = "your callers' numbers"
) -> str | None:
    """``provider``: the provider's name as people write it ("Telnyx"); ``carrying``: what
    its requests and their answers carry."""
    if not base_url:
        return (
            f"DIALTRAIL_BASE_URL is not set, so these URLs use this server's own address "
            f"({public_url}), which {provider} cannot reach. Set DIALTRAIL_BASE_URL to this "
            "server's public https:// address and restart Dialtrail."
        )
    if not base_url.startswith("https://"):
        return (
            f"DIALTRAIL_BASE_URL ({base_url}) is not https: {provider}'s requests, with "
            f"{carrying}, would cross the internet unencrypted. Serve Dialtrail over https "
            "and set DIALTRAIL_BASE_URL to the https:// address."
        )
    return None
