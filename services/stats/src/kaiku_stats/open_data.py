"""The open-data feed (seed 001 "Tilastot-sivu"; docs/contract.md `GET /v1/open/...`): the published figures only.

Anyone may read it without a token, so it carries exactly what the national office's answers carry
for the same scope and period: exact counts, holder breakdowns as protected with every other published
table (docs/stats.md "Disclosure control"). JSON is the published body with the licence and the source
beside it; CSV is the same figures in long form (one row per figure and group), whose columns never
change, so a newspaper's script keeps working as figures are added.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = "Kaikukortti, the national Kaikukortti office"
CACHE_SECONDS = 300
"""How long a reader (or a proxy in front of the service) may reuse an answer: a newspaper linking the
feed costs the service one answer per five minutes per URL, and the figures move slowly."""

CSV_COLUMNS = ("period", "scope", "region_id", "figure", "group", "value")


def open_body(published: dict[str, Any]) -> dict[str, Any]:
    return {**published, "licence": LICENCE, "licence_url": LICENCE_URL, "attribution": ATTRIBUTION}


def to_csv(body: dict[str, Any]) -> str:
    """Long form: `value` empty where a cell is suppressed (or a breakdown is not published)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    context = (body["period"], body["scope"], body.get("region_id") or "")
    for figure, value in body.items():
        if figure in ("period", "scope", "region_id", "licence", "licence_url", "attribution"):
            continue
        if isinstance(value, dict):
            for group, cell in value.items():
                writer.writerow((*context, figure, group, "" if cell is None else cell))
        elif value is None:
            writer.writerow((*context, figure, "", ""))
        else:
            writer.writerow((*context, figure, "", _scalar(value)))
    writer.writerow((*context, "licence", "", f"{LICENCE} {LICENCE_URL}; {ATTRIBUTION}"))
    return out.getvalue()


def _scalar(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def etag(content: str) -> str:
    return '"' + hashlib.sha256(content.encode()).hexdigest()[:32] + '"'


def json_text(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True)
