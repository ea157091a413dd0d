"""Card commands: grant cards (one from the API, thousands from a paper-form import), replace a lost card,
revoke a card.

The card rows and their outbox events commit in one transaction (docs/architecture.md pattern 1); the
commit wakes the relay, which publishes them to `kaiku.cards.v1` keyed by card code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import asyncpg
from kaiku_contracts.cards import CardIssued, CardRevoked
from kaiku_contracts.enums import RejectionReason, RevocationReason
from kaiku_contracts.envelope import Event
from kaiku_contracts.topics import Topics
from kaiku_runtime.outbox import enqueue, enqueue_many
from kaiku_runtime.unit_of_work import UnitOfWork

from kaiku_issuance.adapters import cards as store
from kaiku_issuance.domain.cards import (
    CardGrant,
    IssuedCard,
    Repeat,
    card_exists,
    grant_refusals,
    issue,
    judge_repeat,
)
from kaiku_issuance.domain.refusals import Refusal, RefusedError
from kaiku_issuance.domain.revocation import Revocation, revocation_refusal

ENVELOPE_FIELDS = {"event_id", "event_type", "schema_version", "occurred_at"}


class OutcomeStatus(StrEnum):
    ACCEPTED = "accepted"  # recorded now; CardIssued is on its way
    ALREADY_RECORDED = "already_recorded"  # the same card was recorded before: nothing recorded twice
    REJECTED = "rejected"


@dataclass
class Outcome:
    card_code: str
    status: OutcomeStatus
    response: dict[str, Any] | None = None
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def reason(self) -> RejectionReason | None:
        return self.refusals[0].reason if self.refusals else None


def _response(event: CardIssued) -> dict[str, Any]:
    """The first answer to a grant, repeated verbatim to every retry: the card as CardIssued tells it."""
    return event.model_dump(mode="json", exclude=ENVELOPE_FIELDS)


def _event(card: IssuedCard) -> CardIssued:
    grant = card.grant
    return CardIssued(
        card_code=grant.card_code,
        card_type=grant.card_type,
        region_id=card.region_id,
        distributor_id=grant.distributor_id,
        branch_id=grant.branch_id,
        issued_on=card.issued_on,
        valid_until=card.valid_until,
        holder=grant.holder,
        replaces_card_code=grant.replaces_card_code,
        children_under_18=grant.children_under_18,
    )


async def issue_card(uow: UnitOfWork, grant: CardGrant, today: date) -> Outcome:
    """Grant one card (`POST /v1/cards`). A refused grant records nothing (raises RefusedError when the
    distributor is unknown; a rule's refusals are in the outcome)."""
    async with uow.transaction() as conn:
        (outcome,) = await issue_cards(conn, grant.distributor_id, [grant], today)
    return outcome


async def issue_cards(
    conn: asyncpg.Connection, distributor_id: str, grants: list[CardGrant], today: date
) -> list[Outcome]:
    """Grant cards of one distributor, in order; one outcome per grant. Run inside a transaction."""
    context = await store.issuing_context(conn, distributor_id, today)
    if context is None:
        raise RefusedError(Refusal("distributor_id", f"no distributor {distributor_id} is registered"))
    recorded = await store.recorded_cards(conn, [g.card_code for g in grants])
    replaced = await _replaced_cards(conn, grants)
    outcomes: list[Outcome] = []
    first_in_batch: dict[str, CardGrant] = {}
    new: list[tuple[Outcome, IssuedCard, CardIssued]] = []
    for grant in grants:
        code = grant.card_code
        if code in recorded:
            outcomes.append(_repeat(grant, recorded[code]))
            continue
        if code in first_in_batch:
            earlier = first_in_batch[code]
            same = earlier.request_fingerprint == grant.request_fingerprint
            outcomes.append(
                Outcome(code, OutcomeStatus.ALREADY_RECORDED)
                if same
                else Outcome(code, OutcomeStatus.REJECTED, refusals=[card_exists()])
            )
            continue
        refusals = grant_refusals(grant, context) + _replacement_refusals(grant, replaced)
        if refusals:
            outcomes.append(Outcome(code, OutcomeStatus.REJECTED, refusals=refusals))
            continue
        first_in_batch[code] = grant
        card = issue(grant, context)
        event = _event(card)
        outcome = Outcome(code, OutcomeStatus.ACCEPTED, _response(event))
        outcomes.append(outcome)
        new.append((outcome, card, event))

    inserted = await store.insert_cards(conn, [(card, json.dumps(o.response)) for o, card, _ in new])
    raced = [o for o, card, _ in new if card.grant.card_code not in inserted]
    if raced:  # another request registered the code between our read and our insert
        again = await store.recorded_cards(conn, [o.card_code for o in raced])
        for outcome in raced:
            judged = _repeat(first_in_batch[outcome.card_code], again[outcome.card_code])
            outcome.status, outcome.response, outcome.refusals = judged.status, judged.response, judged.refusals
    for outcome in outcomes:  # in-batch repeats answer like their first occurrence
        if outcome.status is OutcomeStatus.ALREADY_RECORDED and outcome.response is None:
            first = next(o for o, _, _ in new if o.card_code == outcome.card_code)
            outcome.response = first.response
    events: list[tuple[str, str, Event]] = []
    for _, card, event in new:
        code = card.grant.card_code
        if code not in inserted:
            continue
        old = card.grant.replaces_card_code
        old_row = replaced.get(old) if old is not None else None
        if old is not None and old_row is not None and old_row["revoked_on"] is None:
            # §2: a lost card is replaced by a new code; the old one stops working at once
            revocation = Revocation(RevocationReason.LOST, max(card.issued_on, old_row["issued_on"]))
            await store.revoke(conn, old, revocation)
            events.append((Topics.CARDS, old, _revoked(old, revocation)))
        events.append((Topics.CARDS, code, event))
    await enqueue_many(conn, events)
    return outcomes


def _repeat(grant: CardGrant, recorded: store.RecordedCard) -> Outcome:
    if judge_repeat(grant, recorded.fingerprints) is Repeat.SAME:
        return Outcome(grant.card_code, OutcomeStatus.ALREADY_RECORDED, recorded.response)
    return Outcome(grant.card_code, OutcomeStatus.REJECTED, refusals=[card_exists()])


async def _replaced_cards(conn: asyncpg.Connection, grants: list[CardGrant]) -> dict[str, asyncpg.Record | None]:
    found: dict[str, asyncpg.Record | None] = {}
    for grant in grants:
        old = grant.replaces_card_code
        if old is not None and old not in found:
            found[old] = await store.card(conn, old, for_update=True)
    return found


def _replacement_refusals(grant: CardGrant, replaced: dict[str, asyncpg.Record | None]) -> list[Refusal]:
    old = grant.replaces_card_code
    if old is None or old == grant.card_code:
        return []
    row = replaced.get(old)
    if row is None:
        return [Refusal("replaces_card_code", f"no card {old} is registered")]
    if row["distributor_id"] != grant.distributor_id:
        return [Refusal("replaces_card_code", f"card {old} was granted by another distributor")]
    return []


def _revoked(card_code: str, revocation: Revocation) -> CardRevoked:
    return CardRevoked(card_code=card_code, reason=revocation.reason, revoked_on=revocation.revoked_on)


async def revoke_card(
    uow: UnitOfWork,
    card_code: str,
    wanted: Revocation,
    today: date,
    check: Callable[[asyncpg.Record | None], None],
) -> tuple[asyncpg.Record, bool] | None:
    """Revoke a card (`POST /v1/cards/{code}/revocation`): the card as it is now, and whether the revocation
    was recorded now (False: the same one was recorded before); None when no card has the code.

    `check` gets the card, locked (None: no card has the code), before anything is decided, and raises to
    refuse the caller: the entrypoint's authorisation, in the same transaction.
    """
    async with uow.transaction() as conn:
        row = await store.card(conn, card_code, for_update=True)
        check(row)
        if row is None:
            return None
        recorded = await revoke_locked_card(conn, row, wanted, today)
        answer = await store.card(conn, card_code)
    assert answer is not None  # the row was locked above
    return answer, recorded


async def revoke_locked_card(conn: asyncpg.Connection, row: asyncpg.Record, wanted: Revocation, today: date) -> bool:
    """Revoke a card already read FOR UPDATE; False when the same revocation was recorded before."""
    state = store.card_state(row)
    refusal = revocation_refusal(state, wanted, today)
    if refusal is not None:
        raise RefusedError(refusal)
    if state.revocation is not None:
        return False
    await store.revoke(conn, state.card_code, wanted)
    await enqueue(conn, Topics.CARDS, state.card_code, _revoked(state.card_code, wanted))
    return True
