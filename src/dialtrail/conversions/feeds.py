"""Where the conversion files are served for the ad networks (built from DIALTRAIL_BASE_URL)."""

from __future__ import annotations

from dialtrail.conversions.files import FILE_NAMES
from dialtrail.conversions.rows import Network


def feed_path(project_id: int, network: Network) -> str:
    return f"/conversions/{project_id}/{FILE_NAMES[network]}"


def feed_url(public_url: str, project_id: int, network: Network) -> str:
    return public_url + feed_path(project_id, network)
