"""A service's refusal read for the person: which form fields are at fault, and what kind of fault.

Every error body is `{"reason", "detail"}` (docs/contract.md, "Errors and rejection reasons"); a 422's
detail names each field as `loc: message`, joined by `; ` (kaiku_runtime.errors.describe_validation_errors,
and the services' own refusals). The detail is English for support staff; the page shows the person words
of its own language per field (i18n.refusal_view) and folds the English detail away.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every field a portal form sends to a service, by its last `loc` part: a refusal naming one marks that
# field (`aria-invalid`) and is told with the field's own text (`fielderror.<name>`).
FORM_FIELDS: frozenset[str] = frozenset(
    {
        "card_code",
        "card_type",
        "issued_on",
        "birth_year",
        "mother_tongue",
        "gender",
        "postal_code",
        "life_situation",
        "children_under_18",
        "replaces_card_code",
        "reason",
        "revoked_on",
        "region_id",
        "distributor_id",
        "venue_id",
        "performance_id",
        "name",
        "starts_at",
        "capacity",
        "kind",
        "card_holder_limit",
        "booking_opens_days_before",
        "redeem_from_minutes_before",
        "adult_tickets",
        "child_tickets",
        "trial_ends_on",
        "file",
    }
)

# Kinds of fault the words depend on, found in the detail's English (the services' fixed phrases).
PERSONAL_DATA = "personal_data"  # an identity code, or a field that is never recorded (§11)
MISSING = "missing"
INVALID = "invalid"
_PERSONAL_DATA_PHRASES = ("identity code", "not an accepted field", "personal data")
_MISSING_PHRASES = ("field required", "missing")


@dataclass(frozen=True, slots=True)
class FieldFault:
    """One field a refusal names: the form field (None when no form field matches) and the fault's kind."""

    field: str | None
    kind: str


def field_faults(detail: str) -> list[FieldFault]:
    """The fields a refusal's detail names, in order, each once (`holder.postal_code: ...` -> postal_code)."""
    faults: list[FieldFault] = []
    seen: set[str | None] = set()
    for part in detail.split("; "):
        location, colon, message = part.partition(": ")
        if not colon or " " in location.strip():
            continue  # a sentence, not `loc: message`
        name = location.strip().split(".")[-1]
        field = name if name in FORM_FIELDS else None
        lowered = message.lower()
        if any(phrase in lowered for phrase in _PERSONAL_DATA_PHRASES):
            kind = PERSONAL_DATA
        elif any(lowered.startswith(phrase) for phrase in _MISSING_PHRASES):
            kind = MISSING
        else:
            kind = INVALID
        if field in seen and field is not None:
            continue
        seen.add(field)
        faults.append(FieldFault(field, kind))
    return faults
