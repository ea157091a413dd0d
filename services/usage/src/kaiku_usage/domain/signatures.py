"""Agency signatures on Kafka messages.

Kafka does not tell a consumer who produced a message, so an agency registered with a signing key
must prove its `agency_id`: the header `signature` carries the hex HMAC-SHA256 of the message's raw
value made with the agency's key. Agencies registered without a key are trusted as before.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

SIGNATURE_HEADER = "signature"
MIN_KEY_LENGTH = 16


class SignatureCheck(StrEnum):
    VALID = "valid"
    NOT_REQUIRED = "not_required"  # the agency has no key: its unsigned messages are still trusted
    MISSING = "missing"
    INVALID = "invalid"


def sign(key: str, value: bytes) -> str:
    return hmac.new(key.encode(), value, hashlib.sha256).hexdigest()


def check_signature(key: str | None, value: bytes, signature: str | None) -> SignatureCheck:
    if key is None:
        return SignatureCheck.NOT_REQUIRED
    if not signature:
        return SignatureCheck.MISSING
    if hmac.compare_digest(sign(key, value), signature.strip().lower()):
        return SignatureCheck.VALID
    return SignatureCheck.INVALID
