"""Card codes as staff type or scan them (§2: a code of letters and/or digits, e.g. `E1234`).

A barcode or QR scanner is a keyboard: it types the code and presses Enter. Some QR codes carry a
link whose last path segment is the code. Whatever arrives is reduced to the register's form
(upper case, `A-Z 0-9 -`, at most 20 characters) or refused.
"""

from __future__ import annotations

import re

CARD_CODE = re.compile(r"^[A-Z0-9-]{1,20}$")


def normalise_card_code(raw: str) -> str | None:
    """The card code in the register's form, or None when the input cannot be one."""
    text = raw.strip()
    if "/" in text:
        # a scanned link, e.g. https://kaikukortti.fi/k/E1234 -> E1234
        text = text.rstrip("/").rsplit("/", 1)[-1]
    text = re.sub(r"\s+", "", text).upper()
    return text if CARD_CODE.fullmatch(text) else None
