"""A rule that refused a request: which field, and why, in words a distributor understands.

The detail names the field and what is allowed, never the submitted value (§11: a refused value may be
personal data typed into the wrong box).
"""

from __future__ import annotations

from dataclasses import dataclass

from kaiku_contracts.enums import RejectionReason


@dataclass(frozen=True, slots=True)
class Refusal:
    field: str
    detail: str
    reason: RejectionReason = RejectionReason.INVALID_REQUEST

    @property
    def message(self) -> str:
        return f"{self.field}: {self.detail}" if self.field else self.detail


class RefusedError(Exception):
    """Raised where a single refusal ends the command (the HTTP edge turns it into `{reason, detail}`)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
