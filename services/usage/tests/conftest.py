"""Usage test fixtures: one usage process per test module, and a `Scene` per test with its own ids.

The broker is shared by every test and the usage database by the tests of a module, so each test works with its own
region, venue, agency and cards (`unique()`), and never assumes a topic is empty.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.cards import CardIssued, CardRevoked, HolderProfile
from kaiku_contracts.enums import CardType, Gender, LifeSituation, RevocationReason
from kaiku_contracts.identity_codes import contains_identity_code
from kaiku_contracts.topics import Topics
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import ServiceRunner, auth, produce, read_topic, unique, wait_until
from kaiku_usage.domain.signatures import sign

HOLDER = HolderProfile(
    birth_year=1980, mother_tongue="fi", gender=Gender.FEMALE, postal_code="00100", life_situation=LifeSituation.OTHER
)


@pytest.fixture(scope="module")
def usage(service_runner: ServiceRunner) -> Iterator[ServiceProcess]:
    # per module: a usage instance left running would answer other folders' agency submissions too
    with service_runner.started("usage") as (svc,):
        yield svc


class Scene:
    """A region with one venue (culture) that sells through one listed agency, and helpers to drive usage."""

    def __init__(self, http: httpx.AsyncClient, usage: ServiceProcess, bootstrap: str) -> None:
        self.http = http
        self.url = usage.url
        self.bootstrap = bootstrap
        self.region = unique("R")
        self.venue = unique("V")
        self.agency = unique("A")
        self.keys: dict[str, str] = {}  # signing key of each agency registered (by the national office)
        self.venue_headers = auth("venue", region=self.region, org=self.venue)
        self.agency_headers = auth("agency", org=self.agency)
        self.national = auth("national")
        self._pending_cards: dict[str, str] = {}
        self._outgoing_cards: list[tuple[bytes | None, bytes | None]] = []

    async def setup(self, agencies: Iterable[str] = ()) -> Scene:
        r = await self.http.post(
            f"{self.url}/v1/venues",
            json={
                "venue_id": self.venue,
                "region_id": self.region,
                "name": "Teater Hilla",
                "category": "culture",
                "agencies": [self.agency, *agencies],
            },
            headers=self.national,
        )
        assert r.status_code == 201, r.text
        for agency in (self.agency, *agencies):
            await self.register_agency(agency)
        return self

    async def register_agency(self, agency_id: str, key: str | None = None) -> str:
        """The national office registers the agency with its signing key (docs/contract.md)."""
        # a random hex tail now and then holds an identity code's shape (DDMMYY, A-F, ZZZ, a matching check
        # character), which every text field refuses (docs/contract.md): draw again, as an agency would
        while key is None or contains_identity_code(key):
            key = f"{agency_id}-signing-key-" + uuid.uuid4().hex
        r = await self.http.put(
            f"{self.url}/v1/agencies/{agency_id}",
            json={"name": "Lippupalvelu", "signing_key": key},
            headers=self.national,
        )
        assert r.status_code == 200, r.text
        assert key not in r.text
        self.keys[agency_id] = key
        return key

    def signer(self, agency_id: str | None = None) -> Callable[[bytes], str]:
        """Signs as `agency_id` (the scene's agency by default) would."""
        key = self.keys[agency_id or self.agency]
        return lambda value: sign(key, value)

    async def list_agencies(self, agencies: Iterable[str]) -> None:
        """The venue sells through these agencies too (PATCH: a POST never changes a venue)."""
        r = await self.http.patch(
            f"{self.url}/v1/venues/{self.venue}", json={"agencies": [self.agency, *agencies]}, headers=self.national
        )
        assert r.status_code == 200, r.text

    # -- cards: published on kaiku.cards.v1 as issuance would --------------------------------
    def card(
        self,
        *,
        code: str | None = None,
        issued_on: date | None = None,
        valid_until: date | None = None,
        card_type: CardType = CardType.PERSONAL,
        revoked: bool = False,
        region: str | None = None,
        children_under_18: int | None = None,
    ) -> str:
        code = code or unique("E")
        issued = issued_on or helsinki_today() - timedelta(days=30)
        self._pending_cards[code] = "card_revoked" if revoked else "known"
        events: list[CardIssued | CardRevoked] = [
            CardIssued(
                card_code=code,
                card_type=card_type,
                region_id=region or self.region,
                distributor_id=unique("D"),
                issued_on=issued,
                valid_until=valid_until or issued + timedelta(days=365),
                holder=HOLDER if card_type is CardType.PERSONAL else None,
                children_under_18=children_under_18,
            )
        ]
        if revoked:
            events.append(CardRevoked(card_code=code, reason=RevocationReason.LOST, revoked_on=helsinki_today()))
        self._outgoing_cards.extend((code.encode(), e.to_json_bytes()) for e in events)
        return code

    async def publish_cards(self) -> None:
        """Send the cards made so far and wait until usage's registry has every one of them."""
        await produce(self.bootstrap, Topics.CARDS, self._outgoing_cards)
        self._outgoing_cards = []
        pending = dict(self._pending_cards)
        self._pending_cards.clear()

        async def arrived() -> bool:
            for code, expected in list(pending.items()):
                status = await self.card_status(code)
                if status.get("reason") != "card_unknown" and (expected != "card_revoked" or not status["valid"]):
                    del pending[code]
            return not pending

        await wait_until(arrived, timeout=30, interval=0.1)

    async def card_status(self, code: str) -> dict[str, Any]:
        r = await self.http.get(f"{self.url}/v1/cards/{code}/status", headers=self.venue_headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    # -- performances ---------------------------------------------------------------------------
    async def performance(self, performance_id: str | None = None, **fields: Any) -> str:
        performance_id = performance_id or unique(f"{self.venue}-P")
        body = {
            "venue_id": self.venue,
            "name": "Trollkarlen Matti",
            "starts_at": (datetime.now(UTC) + timedelta(hours=3)).isoformat(),
            "capacity": 200,
            "kind": "performance",
            **fields,
        }
        r = await self.http.put(f"{self.url}/v1/performances/{performance_id}", json=body, headers=self.venue_headers)
        assert r.status_code == 200, r.text
        return performance_id

    # -- uses ---------------------------------------------------------------------------------
    def use(self, card_code: str, performance_id: str, **fields: Any) -> dict[str, Any]:
        return {
            "redemption_id": unique("red-"),
            "card_code": card_code,
            "venue_id": self.venue,
            "performance_id": performance_id,
            "adult_tickets": 1,
            "child_tickets": 0,
            "channel": "box_office",
            **fields,
        }

    async def redeem(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.post(
            f"{self.url}/v1/redemptions", json=body, headers=self.venue_headers if headers is None else headers
        )

    def submission(self, use: dict[str, Any], agency_id: str | None = None) -> dict[str, Any]:
        """The agency's version of a use: a TicketRedeemed as the agency recorded it."""
        return {
            "event_id": str(uuid.uuid4()),
            "event_type": "TicketRedeemed",
            "schema_version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            **use,
            "channel": "agency" if use.get("channel") == "box_office" else use["channel"],
            "agency_id": agency_id or self.agency,
        }

    async def submit(self, submissions: list[dict[str, Any]], *, signed: bool = True, **headers: str) -> None:
        """Each submission signed by the agency it names (unless `signed=False`), as a real agency sends it."""

        def signature(value: bytes) -> str:
            agency = json.loads(value).get("agency_id")
            return sign(self.keys.get(agency, "not-a-registered-agency-key"), value)

        await produce(
            self.bootstrap,
            Topics.AGENCY_REDEMPTIONS,
            [(s["card_code"].encode(), json.dumps(s).encode()) for s in submissions],
            signer=signature if signed else None,
            **headers,
        )

    async def outcomes(
        self, redemption_ids: Iterable[str], *, at_least: int = 1, unanswered: Iterable[str] = ()
    ) -> dict[str, list[dict[str, Any]]]:
        """Every outcome published for these ids (waits until each has `at_least` of them).

        Outcomes of the `unanswered` ids are returned too if any were published meanwhile (none should be).
        """
        wanted, unwanted = set(redemption_ids), set(unanswered)

        def by_id(records: list[dict[str, Any]], ids: set[str]) -> dict[str, list[dict[str, Any]]]:
            found: dict[str, list[dict[str, Any]]] = {}
            for record in records:
                value = record["value"]
                if isinstance(value, dict) and value.get("redemption_id") in ids:
                    found.setdefault(value["redemption_id"], []).append({**value, "_key": record["key"]})
            return found

        def complete(records: list[dict[str, Any]]) -> bool:
            found = by_id(records, wanted)
            return len(found) == len(wanted) and all(len(v) >= at_least for v in found.values())

        records = await read_topic(self.bootstrap, Topics.REDEMPTION_OUTCOMES, until=complete)
        return by_id(records, wanted | unwanted)

    async def published(self, topic: str, match: Any, *, count: int = 1) -> list[dict[str, Any]]:
        """Records of `topic` whose value `match`es, once at least `count` arrived."""

        def matching(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [r for r in records if isinstance(r["value"], dict) and match(r["value"])]

        return matching(await read_topic(self.bootstrap, topic, until=lambda rs: len(matching(rs)) >= count))


@pytest.fixture
async def scene(usage: ServiceProcess, kafka_bootstrap: str) -> AsyncIterator[Scene]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield await Scene(http, usage, kafka_bootstrap).setup()
