"""Agency signatures on Kafka messages (docs/contract.md "Who may write to the agency topic").

Kafka does not tell a consumer who produced a message, so every agency proves its `agency_id`: the
header `signature` carries the lower-case hex HMAC-SHA256 of the message's raw value bytes made with
the signing key the national office registered for that agency. Fail closed: no key, no trust.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from kaiku_contracts.redemptions import SIGNATURE_HEADER as SIGNATURE_HEADER


class SignatureCheck(StrEnum):
    VALID = "valid"
    UNREGISTERED = "unregistered"  # no agency of that id, or one without a key: nobody can speak for it
    MISSING = "missing"
    INVALID = "invalid"


def sign(key: str, value: bytes) -> str:
    """The `signature` header an agency sends with `value`."""
    return hmac.new(key.encode(), value, hashlib.sha256).hexdigest()


def check_signature(key: str | None, value: bytes, signature: bytes | None) -> SignatureCheck:
    """Whether `signature` (the raw header bytes, as they arrived) proves `value` came from the key's holder.

    Compared as bytes in constant time: untrusted headers may hold any bytes (not ASCII, not UTF-8),
    and `hmac.compare_digest` raises on non-ASCII `str`, which would stop the consumer.
    """
    if not key:
        return SignatureCheck.UNREGISTERED
    if not signature:
        return SignatureCheck.MISSING
    if hmac.compare_digest(sign(key, value).encode(), bytes(signature)):
        return SignatureCheck.VALID
    return SignatureCheck.INVALID


def explain(check: SignatureCheck, agency_id: str) -> str:
    """The `detail` of an `agency_not_authorised` answer (never echoes the header)."""
    if check is SignatureCheck.UNREGISTERED:
        return f"agency {agency_id} is not registered with a signing key by the national office"
    what = "missing" if check is SignatureCheck.MISSING else "not the HMAC-SHA256 of this message under its key"
    return f"the `{SIGNATURE_HEADER}` header is {what}"
