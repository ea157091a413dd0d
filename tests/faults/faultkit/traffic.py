"""The steady stream a scenario runs while faults are injected, and the ledger of what was accepted.

Clients behave as real ones do: an HTTP call without a definitive answer (connection refused or
reset, timeout, 5xx) is repeated with the same body until one arrives (the API is idempotent by
card code and `redemption_id`); an agency whose send was not acknowledged sends again (same
`redemption_id`). The ledger keeps the final answer of every input, so the
accepted inputs, and from them the figures every projection must show, are known exactly.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from kaiku_contracts.calendar import HELSINKI
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth, unique
from kaiku_usage.domain.signatures import SIGNATURE_HEADER, sign

ANSWER_DEADLINE = 120.0
"""A client gives up on one input after this long without a definitive answer (reported, never hangs)."""
GENDERS = ("female", "male", "other", "not_disclosed")
ACCEPTED = "accepted"


class NoAnswerError(Exception):
    """No definitive answer within the client's deadline."""


def month_of(moment: datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%Y-%m")


@dataclass
class Card:
    code: str
    region_id: str
    personal: bool
    gender: str | None
    outcome: str | None = None
    issued_on: date | None = None
    attempts: int = 0


@dataclass
class Use:
    redemption_id: str
    card_code: str
    venue_id: str
    region_id: str
    category: str
    performance_id: str
    period: str
    adult: int
    child: int
    via: str  # "http" or "agency"
    expected: str | None  # ACCEPTED or the rejection reason a correct service gives (None: either)
    outcome: str | None = None
    outcomes_seen: list[str] = field(default_factory=list)
    cancelled: bool = False
    attempts: int = 0
    agency_id: str | None = None
    deliveries: int = 0  # copies put on the agency topic: each one is answered


@dataclass
class Venue:
    venue_id: str
    region_id: str
    category: str
    performances: list[tuple[str, str]]  # (performance_id, period)


@dataclass
class World:
    """Two regions, a distributor each, a culture and a sports venue, one agency listed by both."""

    regions: list[str]
    distributors: dict[str, str]  # region -> distributor
    venues: list[Venue]
    agency: str

    def venue_headers(self, venue: Venue) -> dict[str, str]:
        return auth("venue", region=venue.region_id, org=venue.venue_id)


@dataclass
class Ledger:
    """Every input of a scenario and its final answer."""

    regions: list[str] = field(default_factory=list)
    cards: dict[str, Card] = field(default_factory=dict)
    uses: dict[str, Use] = field(default_factory=dict)
    agency_sends: int = 0  # messages put on the agency topic (duplicates included)
    http_calls: int = 0
    http_retries: int = 0
    garbage: Counter[str] = field(default_factory=Counter)  # topic -> garbage messages sent
    unanswered: list[str] = field(default_factory=list)

    @classmethod
    def merged(cls, ledgers: list[Ledger]) -> Ledger:
        """All inputs of several scenarios that ran on one stack (its figures are their sum)."""
        out = cls()
        for ledger in ledgers:
            out.regions += ledger.regions
            out.cards.update(ledger.cards)
            out.uses.update(ledger.uses)
            out.agency_sends += ledger.agency_sends
            out.garbage.update(ledger.garbage)
            out.unanswered += ledger.unanswered
        return out

    def accepted_cards(self) -> list[Card]:
        return [c for c in self.cards.values() if c.outcome == ACCEPTED]

    def counted_uses(self) -> list[Use]:
        return [u for u in self.uses.values() if u.outcome == ACCEPTED and not u.cancelled]

    def summary(self) -> dict[str, Any]:
        outcomes = Counter(u.outcome or "no answer" for u in self.uses.values())
        return {
            "cards_sent": len(self.cards),
            "cards_accepted": len(self.accepted_cards()),
            "uses_sent_http": sum(1 for u in self.uses.values() if u.via == "http"),
            "uses_sent_agency": sum(1 for u in self.uses.values() if u.via == "agency"),
            "agency_messages": self.agency_sends,
            "uses_accepted": outcomes.pop(ACCEPTED, 0),
            "uses_rejected": dict(sorted(outcomes.items())),
            "uses_cancelled": sum(1 for u in self.uses.values() if u.cancelled),
            "http_calls": self.http_calls,
            "http_retries_without_answer": self.http_retries,
            "garbage_sent": dict(self.garbage),
        }


class Client:
    """HTTP and agency-topic client of one scenario, recording into the ledger."""

    def __init__(
        self,
        stack_urls: dict[str, str],
        bootstrap: str,
        ledger: Ledger,
        *,
        seed: int = 7,
        regional: tuple[str, dict[str, str]] | None = None,
    ) -> None:
        """`regional`: (region id, its deployment's issuance and usage URLs): that region's calls go there
        (docs/architecture.md "Regional deployments"); the world's other region stays national."""
        self.urls = stack_urls
        self.regional = regional
        self.bootstrap = bootstrap
        self.ledger = ledger
        self.random = random.Random(seed)
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(10.0), limits=httpx.Limits(max_connections=128))
        self.producer: AIOKafkaProducer | None = None
        self.agency_of: dict[str, str] = {}
        self.agency_keys: dict[str, str] = {}  # the signing key the national office registered per agency

    def signed(self, value: bytes | None) -> list[tuple[str, bytes]]:
        """The `signature` header the agency named in `value` sends with it (none for what names no agency)."""
        try:
            agency = json.loads(value or b"").get("agency_id")
        except (ValueError, AttributeError):
            return []
        key = self.agency_keys.get(agency) if isinstance(agency, str) else None
        return [(SIGNATURE_HEADER, sign(key, value or b"").encode())] if key else []

    async def __aenter__(self) -> Client:
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, linger_ms=5, request_timeout_ms=15000, max_request_size=4 * 1024 * 1024
        )
        await asyncio.wait_for(self.producer.start(), 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        if self.producer is not None:
            await asyncio.wait_for(self.producer.stop(), 30)

    def url(self, service: str, region: str) -> str:
        """The service of the deployment that serves `region`."""
        if self.regional is not None and region == self.regional[0]:
            return self.regional[1][service]
        return self.urls[service]

    def usage_urls(self) -> list[str]:
        return [self.urls["usage"]] + ([self.regional[1]["usage"]] if self.regional is not None else [])

    # -- HTTP with retries until a definitive answer -----------------------------------------
    async def call(self, method: str, url: str, *, json_body: Any = None, headers: dict[str, str]) -> httpx.Response:
        deadline = time.monotonic() + ANSWER_DEADLINE
        while True:
            self.ledger.http_calls += 1
            try:
                response = await self.http.request(method, url, json=json_body, headers=headers)
                if response.status_code < 500:
                    return response
            except httpx.HTTPError:
                pass
            self.ledger.http_retries += 1
            if time.monotonic() > deadline:
                raise NoAnswerError(f"{method} {url}")
            await asyncio.sleep(0.25)

    # -- the world ----------------------------------------------------------------------------
    async def build_world(
        self, *, performances_per_venue: int = 8, limit: int | None = None, capacity: int = 1000
    ) -> World:
        national = auth("national")
        regions = [unique("R"), self.regional[0] if self.regional is not None else unique("R")]
        distributors = {r: unique("D") for r in regions}
        agency = unique("A")
        self.agency_keys[agency] = key = f"{agency}-signing-key-" + uuid.uuid4().hex
        for usage in self.usage_urls():  # registered in every deployment whose venues list it
            r = await self.call(
                "PUT",
                f"{usage}/v1/agencies/{agency}",
                json_body={"name": "Lippupiste", "signing_key": key},
                headers=national,
            )
            assert r.status_code == 200, r.text
        for region in regions:
            r = await self.call(
                "POST",
                f"{self.url('issuance', region)}/v1/regions",
                json_body={"region_id": region, "name": "Alue"},
                headers=national,
            )
            assert r.status_code == 201, r.text
            r = await self.call(
                "POST",
                f"{self.url('issuance', region)}/v1/distributors",
                json_body={"distributor_id": distributors[region], "region_id": region, "name": "Sosiaalitoimi"},
                headers=national,
            )
            assert r.status_code == 201, r.text
        venues = []
        starts_at = datetime.now(UTC) + timedelta(hours=3)
        for region, category in zip(regions, ("culture", "sports"), strict=True):
            venue = Venue(unique("V"), region, category, [])
            r = await self.call(
                "POST",
                f"{self.url('usage', region)}/v1/venues",
                json_body={
                    "venue_id": venue.venue_id,
                    "region_id": region,
                    "name": "Paikka",
                    "category": category,
                    "agencies": [agency],
                },
                headers=national,
            )
            assert r.status_code == 201, r.text
            for _ in range(performances_per_venue):
                venue.performances.append(await self.put_performance(venue, starts_at, limit=limit, capacity=capacity))
            venues.append(venue)
            self.agency_of[venue.venue_id] = agency
        self.ledger.regions += regions
        return World(regions, distributors, venues, agency)

    async def put_performance(
        self, venue: Venue, starts_at: datetime, *, limit: int | None, capacity: int = 1000
    ) -> tuple[str, str]:
        performance_id = unique(f"{venue.venue_id}-P")
        body: dict[str, Any] = {
            "venue_id": venue.venue_id,
            "name": "Näytös",
            "starts_at": starts_at.isoformat(),
            "capacity": capacity,
            "kind": "performance",
        }
        if limit is not None:
            body["card_holder_limit"] = limit
        r = await self.call(
            "PUT",
            f"{self.url('usage', venue.region_id)}/v1/performances/{performance_id}",
            json_body=body,
            headers=auth("venue", region=venue.region_id, org=venue.venue_id),
        )
        assert r.status_code == 200, r.text
        return performance_id, month_of(starts_at)

    async def prepare(
        self, *, cards: int = 60, performances_per_venue: int = 15, limit: int | None = None, capacity: int = 1000
    ) -> tuple[World, list[str]]:
        """A world and a pool of issued cards that usage already knows (uses of them are valid)."""
        world = await self.build_world(performances_per_venue=performances_per_venue, limit=limit, capacity=capacity)
        pool = [self.new_card(world) for _ in range(cards)]
        await asyncio.gather(*(self.issue(world, c) for c in pool))
        codes = [c.code for c in pool if c.outcome == ACCEPTED]
        await self.wait_cards_known_to_usage(world, codes)
        return world, codes

    # -- cards --------------------------------------------------------------------------------
    def new_card(self, world: World, region: str | None = None) -> Card:
        region = region or self.random.choice(world.regions)
        personal = self.random.random() < 0.85
        card = Card(unique("E"), region, personal, self.random.choice(GENDERS) if personal else None)
        self.ledger.cards[card.code] = card
        return card

    async def issue(self, world: World, card: Card) -> None:
        body: dict[str, Any] = {
            "card_code": card.code,
            "card_type": "personal" if card.personal else "community",
            "distributor_id": world.distributors[card.region_id],
        }
        if card.personal:
            body["holder"] = {
                "birth_year": self.random.randint(1940, 2005),
                "mother_tongue": self.random.choice(("fi", "sv", "ru", "other")),
                "gender": card.gender,
                "postal_code": self.random.choice(("00100", "33100", "90100")),
                "life_situation": self.random.choice(("unemployed", "pensioner", "student")),
            }
        headers = auth("distributor", region=card.region_id, org=world.distributors[card.region_id])
        card.attempts += 1
        try:
            r = await self.call(
                "POST", f"{self.url('issuance', card.region_id)}/v1/cards", json_body=body, headers=headers
            )
        except NoAnswerError:
            self.ledger.unanswered.append(f"card {card.code}")
            return
        if r.status_code == 201:
            card.outcome = ACCEPTED
            card.issued_on = date.fromisoformat(r.json()["issued_on"])
        else:
            card.outcome = r.json().get("reason", str(r.status_code))

    async def wait_cards_known_to_usage(self, world: World, codes: list[str], timeout: float = 60.0) -> None:
        """Every usage (each deployment's) knows every card: asked by a venue it serves."""
        one_per_usage = {self.url("usage", venue.region_id): venue for venue in reversed(world.venues)}
        venues = {venue.venue_id: venue for venue in one_per_usage.values()}
        pending = {(venue_id, code) for venue_id in venues for code in codes}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for venue_id, code in list(pending):
                venue = venues[venue_id]
                r = await self.call(
                    "GET",
                    f"{self.url('usage', venue.region_id)}/v1/cards/{code}/status",
                    headers=world.venue_headers(venue),
                )
                if r.status_code == 200 and r.json().get("reason") != "card_unknown":
                    pending.discard((venue_id, code))
            if pending:
                await asyncio.sleep(0.3)
        if pending:
            raise AssertionError(f"usage did not learn {len(pending)} issued cards within {timeout} s")

    # -- uses ---------------------------------------------------------------------------------
    def new_use(
        self, venue: Venue, performance: tuple[str, str], card_code: str, via: str, expected: str | None
    ) -> Use:
        use = Use(
            redemption_id=unique(f"{via[:1]}-"),
            card_code=card_code,
            venue_id=venue.venue_id,
            region_id=venue.region_id,
            category=venue.category,
            performance_id=performance[0],
            period=performance[1],
            adult=1,
            child=self.random.randint(0, 2),
            via=via,
            expected=expected,
        )
        if via == "agency":
            use.agency_id = self.agency_of[venue.venue_id]
        self.ledger.uses[use.redemption_id] = use
        return use

    def http_body(self, use: Use) -> dict[str, Any]:
        return {
            "redemption_id": use.redemption_id,
            "card_code": use.card_code,
            "venue_id": use.venue_id,
            "performance_id": use.performance_id,
            "adult_tickets": use.adult,
            "child_tickets": use.child,
            "channel": "box_office",
        }

    async def redeem_http(self, world: World, use: Use) -> None:
        venue = next(v for v in world.venues if v.venue_id == use.venue_id)
        use.attempts += 1
        try:
            r = await self.call(
                "POST",
                f"{self.url('usage', venue.region_id)}/v1/redemptions",
                json_body=self.http_body(use),
                headers=world.venue_headers(venue),
            )
        except NoAnswerError:
            self.ledger.unanswered.append(f"use {use.redemption_id}")
            return
        answer = ACCEPTED if r.status_code == 201 else r.json().get("reason", str(r.status_code))
        use.outcomes_seen.append(answer)
        use.outcome = answer

    async def cancel_http(self, world: World, use: Use) -> None:
        venue = next(v for v in world.venues if v.venue_id == use.venue_id)
        try:
            r = await self.call(
                "DELETE",
                f"{self.url('usage', venue.region_id)}/v1/redemptions/{use.redemption_id}",
                headers=world.venue_headers(venue),
            )
        except NoAnswerError:
            self.ledger.unanswered.append(f"cancel {use.redemption_id}")
            return
        assert r.status_code == 200, r.text
        use.cancelled = True

    def submission(self, world: World, use: Use, *, event_id: str | None = None) -> dict[str, Any]:
        return {
            "event_id": event_id or str(uuid.uuid4()),
            "event_type": "TicketRedeemed",
            "schema_version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            "redemption_id": use.redemption_id,
            "agency_id": use.agency_id or world.agency,
            "card_code": use.card_code,
            "venue_id": use.venue_id,
            "performance_id": use.performance_id,
            "adult_tickets": use.adult,
            "child_tickets": use.child,
            "channel": "agency",
        }

    async def send_raw(
        self,
        topic: str,
        messages: Sequence[tuple[bytes | None, bytes | None]],
        *,
        partitions: list[int] | None = None,
        headers: list[tuple[str, bytes]] | None = None,
        sign_as_agency: bool = False,
    ) -> None:
        """Send until the broker acknowledges every message (the lot is sent again after a timeout).

        `sign_as_agency`: each value gets the signature of the agency it names, as that agency would send it.
        """
        assert self.producer is not None
        deadline = time.monotonic() + ANSWER_DEADLINE
        while True:
            try:
                futures = [
                    await asyncio.wait_for(
                        self.producer.send(
                            topic,
                            value=value,
                            key=key,
                            partition=partitions[i] if partitions is not None else None,
                            headers=(headers or []) + (self.signed(value) if sign_as_agency else []),
                        ),
                        20,
                    )
                    for i, (key, value) in enumerate(messages)
                ]
                await asyncio.wait_for(asyncio.gather(*futures), 30)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise NoAnswerError(f"broker did not acknowledge {len(messages)} messages on {topic}") from None
                await asyncio.sleep(0.5)

    async def submit_agency(self, world: World, uses: list[Use]) -> None:
        """An agency sends its uses (key = card code); the lot is sent again until acknowledged."""
        messages = [(u.card_code.encode(), json.dumps(self.submission(world, u)).encode()) for u in uses]
        await self.send_raw(Topics.AGENCY_REDEMPTIONS, messages, sign_as_agency=True)
        self.ledger.agency_sends += len(messages)
        for use in uses:
            use.deliveries += 1


def pairs(world: World, cards: list[str], rnd: random.Random) -> Iterator[tuple[Venue, tuple[str, str], str]]:
    """Every (venue, performance, card) once, shuffled: no two uses collide on `already_redeemed`."""
    combos = [(v, p, c) for v in world.venues for p in v.performances for c in cards]
    rnd.shuffle(combos)
    return iter(combos)


class Load:
    """A steady stream of card issues, HTTP uses (a few cancelled) and agency uses until stopped."""

    def __init__(
        self,
        client: Client,
        world: World,
        known_cards: list[str],
        *,
        cards_per_s: float = 4,
        http_uses_per_s: float = 10,
        agency_uses_per_s: float = 10,
        bad_fraction: float = 0.05,
        cancel_fraction: float = 0.03,
    ) -> None:
        self.client = client
        self.world = world
        self.pairs = pairs(world, known_cards, client.random)
        self.rates = {"cards": cards_per_s, "http": http_uses_per_s, "agency": agency_uses_per_s}
        self.bad_fraction = bad_fraction
        self.cancel_fraction = cancel_fraction
        self.stop_event = asyncio.Event()
        self.inflight: set[asyncio.Task[None]] = set()
        # per stream: a stalled service must not starve the clients of the others
        self.limits = {"cards": asyncio.Semaphore(32), "http": asyncio.Semaphore(48)}
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [
            asyncio.create_task(self._paced("cards", self._one_card)),
            asyncio.create_task(self._paced("http", self._one_http_use)),
            asyncio.create_task(self._paced_agency()),
        ]

    async def stop(self, timeout: float = ANSWER_DEADLINE + 30) -> None:
        """Stop generating and wait (bounded) for every input in flight to get its final answer."""
        self.stop_event.set()
        await asyncio.wait_for(asyncio.gather(*self.tasks), timeout)
        if self.inflight:
            await asyncio.wait_for(asyncio.gather(*self.inflight), timeout)

    def _next_use(self, via: str) -> Use | None:
        combo = next(self.pairs, None)
        if combo is None:
            return None
        venue, performance, card = combo
        if self.client.random.random() < self.bad_fraction:
            return self.client.new_use(venue, performance, unique("X"), via, "card_unknown")
        return self.client.new_use(venue, performance, card, via, ACCEPTED)

    async def _spawn(self, kind: str, coro: Any) -> None:
        limit = self.limits[kind]
        await limit.acquire()

        async def run() -> None:
            try:
                await coro
            finally:
                limit.release()

        task = asyncio.create_task(run())
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)

    async def _paced(self, kind: str, make: Any) -> None:
        interval = 1.0 / self.rates[kind]
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            await self._spawn(kind, make())
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _one_card(self) -> None:
        await self.client.issue(self.world, self.client.new_card(self.world))

    async def _one_http_use(self) -> None:
        use = self._next_use("http")
        if use is None:
            return
        await self.client.redeem_http(self.world, use)
        if use.outcome == ACCEPTED and self.client.random.random() < self.cancel_fraction:
            await self.client.cancel_http(self.world, use)

    async def _paced_agency(self) -> None:
        """Agency uses go out in small batches ten times a second (an agency's producer batches too)."""
        per_tick = max(1, round(self.rates["agency"] / 10))
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            uses = [u for u in (self._next_use("agency") for _ in range(per_tick)) if u is not None]
            if uses:
                try:
                    await self.client.submit_agency(self.world, uses)
                except NoAnswerError:
                    self.client.ledger.unanswered.extend(f"agency send {u.redemption_id}" for u in uses)
            next_at += 0.1
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
