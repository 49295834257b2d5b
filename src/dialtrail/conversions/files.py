"""The offline conversion files as the ad networks document them (pure: rows in, text out).

Google Ads' template for conversions from clicks, which its scheduled uploads from an HTTPS
URL read, and Microsoft Advertising's offline conversion template share one shape: a
``Parameters:TimeZone=`` line, then a header row and one row per conversion. The time zone is
written as the offset ``+0000`` and every time in UTC, so a daylight-saving change never shifts
a conversion; times are ``yyyy-MM-dd HH:mm:ss``, a format both accept. An empty value and
currency leave the conversion action's defaults to the network.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from dialtrail.conversions.rows import ConversionRow, Network

TIME_ZONE_LINE = "Parameters:TimeZone=+0000"
COLUMNS = ("Conversion Name", "Conversion Time", "Conversion Value", "Conversion Currency")
HEADERS: dict[Network, tuple[str, ...]] = {
    "google": ("Google Click ID", *COLUMNS),
    "microsoft": ("Microsoft Click ID", *COLUMNS),
}
FILE_NAMES: dict[Network, str] = {"google": "google-ads.csv", "microsoft": "microsoft-ads.csv"}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def conversion_file(network: Network, rows: Sequence[ConversionRow]) -> str:
    out = io.StringIO()
    out.write(TIME_ZONE_LINE + "\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS[network])
    writer.writerows(cells(row) for row in rows)
    return out.getvalue()


def cells(row: ConversionRow) -> tuple[str, ...]:
    return (
        row.click_id,
        row.name,
        row.time.strftime(TIME_FORMAT),
        row.value or "",
        row.currency or "",
    )
