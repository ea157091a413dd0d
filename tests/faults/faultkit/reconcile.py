"""After the faults: do the topics, usage's registry and every stats figure equal what was accepted, exactly?"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kaiku_contracts.cards import CardEvent
from kaiku_contracts.redemptions import RedemptionEvent
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth
from kaiku_runtime.consumer import MAX_MESSAGE_BYTES
from pydantic import TypeAdapter, ValidationError

from faultkit.stack import service_of
from faultkit.traffic import ACCEPTED, Ledger

COMPARED = (
    "cards_issued",
    "cards_active",
    "redemptions",
    "adult_tickets",
    "child_tickets",
    "course_places",
    "distinct_cards_used",
    "redemptions_by_venue_category",
)
"""The figures compared with the ledger (holder breakdowns too, for a region admin's exact view)."""
CONVERGE_TIMEOUT = 90.0
PUBLISH_TIMEOUT = 60.0
"""How long a committed card or use may take to reach its topic (the restarted relays catch up)."""
REPLAYED_PER_TOPIC = 100
"""Already-applied events re-delivered by the replay probe, per topic."""
PUBLISH_ROUND_SECONDS = 1.0
"""stats' snapshot publisher round (KAIKU_STATS_PUBLISH_INTERVAL_SECONDS, default)."""

DEDUPED_CONSUMERS: dict[str, list[tuple[str, str]]] = {
    Topics.CARDS: [("stats", "cards-projection"), ("usage", "card-registry")],
    Topics.REDEMPTIONS: [("stats", "redemptions-projection")],
}
"""Per topic, the (service, consumer) that apply its events once by event_id through processed_events."""
ADAPTERS: dict[str, TypeAdapter[Any]] = {
    Topics.CARDS: TypeAdapter(CardEvent),
    Topics.REDEMPTIONS: TypeAdapter(RedemptionEvent),
}


@dataclass
class Record:
    key: str | None
    value: bytes | None
    headers: dict[str, str]
    partition: int
    offset: int

    def json(self) -> Any:
        try:
            return json.loads(self.value) if self.value is not None else None
        except (ValueError, RecursionError):
            return None

    def event(self, topic: str) -> Any:
        """The contract event, as a consumer decodes it (None: the consumers dead-letter it)."""
        if self.value is None or len(self.value) > MAX_MESSAGE_BYTES:
            return None
        try:
            return ADAPTERS[topic].validate_json(self.value)
        except (ValidationError, ValueError, RecursionError):
            return None


POISON_KEY = "POISON"
"""Key of the poison messages of test_delivery.py: decodable, yet dead-lettered (a handler fails on them)."""


async def valid_events(bootstrap: str, topic: str) -> list[tuple[Record, Any]]:
    """Every record of `topic` the consumers decode, with its event (poison, key `POISON`, is decodable by
    design and dead-lettered by the consumers: never an event they apply)."""
    out = []
    for record in await read_all(bootstrap, topic):
        if record.key == POISON_KEY:
            continue
        event = record.event(topic)
        if event is not None:
            out.append((record, event))
    return out


async def counters(url: str, name: str) -> Counter[str]:
    """A Prometheus counter of the service at `url`, summed per `consumer` label."""
    async with httpx.AsyncClient(timeout=5) as http:
        text = (await http.get(f"{url}/metrics")).text
    out: Counter[str] = Counter()
    for line in text.splitlines():
        match = re.match(rf'^{re.escape(name)}\{{[^}}]*consumer="([^"]+)"[^}}]*\}}\s+(\S+)$', line)
        if match:
            out[match.group(1)] += int(float(match.group(2)))
    return out


async def read_all(bootstrap: str, topic: str, timeout: float = 60.0) -> list[Record]:
    """Every record of `topic` up to its current end (no consumer group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=50)
    await asyncio.wait_for(consumer.start(), 30)
    records: list[Record] = []
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await asyncio.wait_for(consumer.end_offsets(tps), 30)
        deadline = time.monotonic() + timeout
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: could not read to the end within {timeout} s")
            batch = await consumer.getmany(timeout_ms=200)
            for msgs in batch.values():
                for m in msgs:
                    records.append(
                        Record(
                            m.key.decode(errors="replace") if m.key is not None else None,
                            m.value,
                            {k: v.decode(errors="replace") for k, v in m.headers},
                            m.partition,
                            m.offset,
                        )
                    )
    finally:
        await asyncio.wait_for(consumer.stop(), 30)
    return records


async def converge(check: Callable[[], Awaitable[list[str]]], timeout: float = CONVERGE_TIMEOUT) -> list[str]:
    """Re-run `check` until it finds no difference or `timeout` passes; return the last differences."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            diffs = await check()
        except (httpx.HTTPError, OSError, asyncpg.PostgresError, TimeoutError) as exc:
            diffs = [f"check failed: {type(exc).__name__}: {exc}"]
        if not diffs or time.monotonic() > deadline:
            return diffs
        await asyncio.sleep(0.5)


@dataclass
class Report:
    scenario: str
    faults: list[str] = field(default_factory=list)
    ledger: dict[str, Any] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    outcome_messages: int = 0
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"[{self.scenario}] {self.seconds:.0f} s, differences: {len(self.differences)}"]
        lines += [f"  fault: {f}" for f in self.faults]
        lines.append("  inputs: " + json.dumps(self.ledger, sort_keys=True))
        lines.append(f"  dead-letter topic: {json.dumps(self.dead_letters, sort_keys=True)}")
        lines.append(f"  agency outcome messages: {self.outcome_messages}")
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  DIFF: {d}" for d in self.differences[:40]]
        if len(self.differences) > 40:
            lines.append(f"  ... and {len(self.differences) - 40} more")
        return "\n".join(lines)


# -- the figures the ledger implies -----------------------------------------------------------
def expected_figures(ledger: Ledger, region: str | None) -> dict[str, dict[str, Any]]:
    """Per period (`YYYY-MM` and `YYYY`): what national (region None) or regional stats must show."""
    cards = [c for c in ledger.accepted_cards() if region is None or c.region_id == region]
    region_of = {c.code: c.region_id for c in ledger.accepted_cards()}
    uses = ledger.counted_uses()
    periods: set[str] = set()
    for c in cards:
        assert c.issued_on is not None
        periods |= {c.issued_on.strftime("%Y-%m"), c.issued_on.strftime("%Y")}
    for u in uses:
        periods |= {u.period, u.period[:4]}
    out: dict[str, dict[str, Any]] = {}
    for period in sorted(periods):

        def in_period(p: str, period: str = period) -> bool:
            return p == period or p[:4] == period

        issued = [c for c in cards if c.issued_on is not None and in_period(c.issued_on.strftime("%Y-%m"))]
        at_venues = [u for u in uses if in_period(u.period) and (region is None or u.region_id == region)]
        by_cards = [u for u in uses if in_period(u.period) and (region is None or region_of.get(u.card_code) == region)]
        categories = Counter(u.category for u in at_venues)
        figures: dict[str, Any] = {
            "cards_issued": len(issued),
            # every card of the scenarios is valid for a year: active = all issued so far
            "cards_active": len(cards),
            "redemptions": len(at_venues),
            "adult_tickets": sum(u.adult for u in at_venues),
            "child_tickets": sum(u.child for u in at_venues),
            "course_places": 0,
            "distinct_cards_used": len({u.card_code for u in by_cards}),
            "redemptions_by_venue_category": {"culture": categories["culture"], "sports": categories["sports"]},
        }
        if region is not None:
            genders = Counter(c.gender for c in issued if c.gender is not None)
            figures["holders_by_gender"] = {g: genders[g] for g in ("female", "male", "other", "not_disclosed")}
        out[period] = figures
    return out


def compare(where: str, expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    diffs = []
    for name, want in expected.items():
        got = actual.get(name)
        if isinstance(want, dict) and isinstance(got, dict):
            got = {k: got.get(k, 0) for k in want}
        if got != want:
            diffs.append(f"{where} {name}: expected {want}, got {got}")
    return diffs


# -- the checks ---------------------------------------------------------------------------------
class Reconciler:
    def __init__(self, stack_urls: dict[str, str], database_urls: dict[str, str], bootstrap: str) -> None:
        """`database_urls` (and `stack_urls`) by process: `usage`, and `usage-regional` where a regional
        deployment runs beside the national one; each check covers every deployment's database."""
        self.urls = stack_urls
        self.database_urls = database_urls
        self.bootstrap = bootstrap

    def instances(self, service: str) -> list[str]:
        """The processes of `service`: the national one and any regional deployment's."""
        return [name for name in self.database_urls if service_of(name) == service]

    async def _rows_of(self, name: str, sql: str) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_urls[name])
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()

    async def _rows(self, service: str, sql: str) -> list[dict[str, Any]]:
        """`sql` over every deployment's database of `service`, each row with the process it came from."""
        out: list[dict[str, Any]] = []
        for name in self.instances(service):
            conn = await asyncpg.connect(self.database_urls[name])
            try:
                out += [{**dict(r), "_instance": name} for r in await conn.fetch(sql)]
            finally:
                await conn.close()
        return out

    async def collect_agency_outcomes(self, ledger: Ledger, report: Report) -> None:
        """Wait (bounded) until every agency submission is answered; all answers of one use must agree."""
        agency_uses = {u.redemption_id: u for u in ledger.uses.values() if u.via == "agency"}

        async def answered() -> list[str]:
            records = await read_all(self.bootstrap, Topics.REDEMPTION_OUTCOMES)
            seen: dict[str, list[str]] = defaultdict(list)
            for r in records:
                v = r.json()
                if isinstance(v, dict) and v.get("redemption_id") in agency_uses:
                    if r.key != agency_uses[v["redemption_id"]].agency_id:
                        return [f"outcome of {v['redemption_id']} keyed {r.key!r}, not by the agency"]
                    seen[v["redemption_id"]].append(
                        ACCEPTED if v["event_type"] == "RedemptionAccepted" else v["reason"]
                    )
            report.outcome_messages = sum(len(v) for v in seen.values())
            for rid, use in agency_uses.items():
                use.outcomes_seen = seen.get(rid, [])
                use.outcome = use.outcomes_seen[-1] if use.outcomes_seen else None
            missing = [rid for rid in agency_uses if rid not in seen]
            if missing:
                return [f"{len(missing)} agency submissions without an outcome, e.g. {missing[:3]}"]
            # every delivery is answered (a re-delivery after a crash may add answers, never take one away)
            short = [u for u in agency_uses.values() if len(u.outcomes_seen) < u.deliveries]
            return [
                f"agency use {u.redemption_id}: {len(u.outcomes_seen)} answers to {u.deliveries} deliveries"
                for u in short
            ]

        report.differences += await converge(answered)
        for use in agency_uses.values():
            if len(set(use.outcomes_seen)) > 1:
                report.differences.append(f"agency use {use.redemption_id}: conflicting outcomes {use.outcomes_seen}")

    def check_outcomes(self, ledger: Ledger, report: Report) -> None:
        for use in ledger.uses.values():
            if use.expected and use.outcome is not None and use.outcome != use.expected:
                report.differences.append(
                    f"{use.via} use {use.redemption_id}: expected {use.expected}, answered {use.outcome}"
                )
        report.differences += [f"no answer: {what}" for what in ledger.unanswered]

    async def check_topics(self, ledger: Ledger, report: Report) -> None:
        """kaiku.cards.v1 and kaiku.redemptions.v1 hold each accepted input once (re-sends keep the event id)."""

        async def check() -> list[str]:
            diffs: list[str] = []
            accepted_cards = {c.code for c in ledger.accepted_cards()}
            issued: dict[str, set[str]] = defaultdict(set)
            for r in await read_all(self.bootstrap, Topics.CARDS):
                v = r.json()
                if isinstance(v, dict) and v.get("event_type") == "CardIssued" and v.get("card_code") in ledger.cards:
                    issued[v["card_code"]].add(v["event_id"])
            diffs += _set_diff("kaiku.cards.v1 CardIssued", accepted_cards, set(issued))
            diffs += [f"card {c} issued {len(ids)} times" for c, ids in issued.items() if len(ids) > 1]

            accepted_uses = {u.redemption_id for u in ledger.uses.values() if u.outcome == ACCEPTED}
            cancelled = {u.redemption_id for u in ledger.uses.values() if u.cancelled}
            redeemed: dict[str, set[str]] = defaultdict(set)
            cancellations: dict[str, set[str]] = defaultdict(set)
            for r in await read_all(self.bootstrap, Topics.REDEMPTIONS):
                v = r.json()
                if not isinstance(v, dict) or v.get("redemption_id") not in ledger.uses:
                    continue
                target = redeemed if v.get("event_type") == "TicketRedeemed" else cancellations
                target[v["redemption_id"]].add(v["event_id"])
            diffs += _set_diff("kaiku.redemptions.v1 TicketRedeemed", accepted_uses, set(redeemed))
            diffs += _set_diff("kaiku.redemptions.v1 RedemptionCancelled", cancelled, set(cancellations))
            diffs += [f"use {u} published {len(ids)} times" for u, ids in redeemed.items() if len(ids) > 1]
            return diffs

        # the relays publish after the commit: a use answered a moment ago may not be on its topic yet
        report.differences += await converge(check, timeout=PUBLISH_TIMEOUT)

    async def check_committed_published(self, report: Report) -> None:
        """The outbox's promise, from the databases' side: every card row in issuance's database has
        exactly one CardIssued on kaiku.cards.v1 (one event id; a relay's re-publish keeps it), every
        use recorded in usage's database exactly one TicketRedeemed on kaiku.redemptions.v1 and every
        cancelled one exactly one RedemptionCancelled; and nothing is published that was not committed.
        A service that publishes after (or instead of) its commit loses the events of a crash in between."""

        async def check() -> list[str]:
            cards = {r["card_code"]: r["revoked_on"] for r in await self._rows("issuance", _CARDS_SQL)}
            rows = await self._rows("usage", "SELECT redemption_id, cancelled_at FROM redemptions")
            uses = {r["redemption_id"]: r["cancelled_at"] for r in rows}
            owners = Counter(r["redemption_id"] for r in rows)
            twice = sorted(u for u, n in owners.items() if n > 1)
            issued: dict[str, set[str]] = defaultdict(set)
            revoked: dict[str, set[str]] = defaultdict(set)
            for _, event in await valid_events(self.bootstrap, Topics.CARDS):
                target = issued if event.event_type == "CardIssued" else revoked
                target[event.card_code].add(str(event.event_id))
            redeemed: dict[str, set[str]] = defaultdict(set)
            cancelled: dict[str, set[str]] = defaultdict(set)
            for _, event in await valid_events(self.bootstrap, Topics.REDEMPTIONS):
                target = redeemed if event.event_type == "TicketRedeemed" else cancelled
                target[event.redemption_id].add(str(event.event_id))
            diffs = [f"{len(twice)} uses recorded by two deployments, e.g. {twice[:3]}"] if twice else []
            diffs += _published_once("issuance cards", "CardIssued", set(cards), issued)
            diffs += _published_once(
                "issuance revoked cards", "CardRevoked", {c for c, on in cards.items() if on is not None}, revoked
            )
            diffs += _published_once("usage uses", "TicketRedeemed", set(uses), redeemed)
            diffs += _published_once(
                "usage cancelled uses",
                "RedemptionCancelled",
                {u for u, at in uses.items() if at is not None},
                cancelled,
            )
            return diffs

        report.differences += await converge(check, timeout=PUBLISH_TIMEOUT)

    async def check_processed_events(self, report: Report) -> None:
        """The idempotency table's promise: every event a de-duplicating consumer applied (every valid
        event of its topic) is recorded once, by its event id, in that service's processed_events."""

        async def check() -> list[str]:
            diffs: list[str] = []
            for topic, consumers in DEDUPED_CONSUMERS.items():
                on_topic = {str(event.event_id) for _, event in await valid_events(self.bootstrap, topic)}
                for service, consumer in consumers:
                    for name in self.instances(service):  # every deployment's usage reads every card
                        conn = await asyncpg.connect(self.database_urls[name])
                        try:
                            sql = "SELECT event_id FROM processed_events WHERE consumer = $1"
                            rows = await conn.fetch(sql, consumer)
                        finally:
                            await conn.close()
                        recorded = {str(r["event_id"]) for r in rows}
                        diffs += _set_diff(
                            f"{name} processed_events of {consumer} vs the events of {topic}", on_topic, recorded
                        )
            return diffs

        report.differences += await converge(check)

    async def check_replay_is_skipped(self, report: Report) -> None:
        """Re-deliver already-applied events (a relay that re-published them): each de-duplicating
        consumer must skip every one as a duplicate (its `kaiku_duplicate_events_total`), apply none
        again, and stats must publish no snapshot because of them (re-applying an event marks its
        figures changed and publishes them again, even when the projection row is unchanged)."""
        urls = {name: self.urls[name] for service in ("stats", "usage") for name in self.instances(service)}
        replay: dict[str, list[Record]] = {}
        for topic in DEDUPED_CONSUMERS:
            replay[topic] = [r for r, _ in await valid_events(self.bootstrap, topic)][-REPLAYED_PER_TOPIC:]
        if not any(replay.values()):
            return
        snapshots_before = await self._quiet_snapshot_count()
        duplicates_before = {s: await counters(u, "kaiku_duplicate_events_total") for s, u in urls.items()}
        applied_before = {s: await counters(u, "kaiku_events_consumed_total") for s, u in urls.items()}
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, max_request_size=4 * 1024 * 1024)
        await asyncio.wait_for(producer.start(), 30)
        try:
            for topic, records in replay.items():
                futures = [
                    await producer.send(
                        topic,
                        value=r.value,
                        key=r.key.encode() if r.key is not None else None,
                        partition=r.partition,
                        headers=[(k, v.encode()) for k, v in r.headers.items()],
                    )
                    for r in records
                ]
                await asyncio.wait_for(asyncio.gather(*futures), 30)
        finally:
            await asyncio.wait_for(producer.stop(), 30)
        note = []
        deadline = time.monotonic() + 30
        for topic, consumers in DEDUPED_CONSUMERS.items():
            sent = len(replay[topic])
            for service, consumer in [(n, c) for s, c in consumers for n in self.instances(s)]:
                while True:
                    skipped = (await counters(urls[service], "kaiku_duplicate_events_total"))[consumer]
                    skipped -= duplicates_before[service][consumer]
                    applied = (await counters(urls[service], "kaiku_events_consumed_total"))[consumer]
                    applied -= applied_before[service][consumer]
                    if skipped + applied >= sent or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.2)
                note.append(f"{service} {consumer} {skipped}/{sent}")
                if skipped != sent or applied:
                    report.differences.append(
                        f"{service} {consumer}: of {sent} re-delivered events of {topic} (all applied before),"
                        f" {skipped} skipped as duplicates, {applied} applied again"
                    )
        await asyncio.sleep(2.5 * PUBLISH_ROUND_SECONDS)
        republished = await self._quiet_snapshot_count() - snapshots_before
        if republished:
            report.differences.append(
                f"stats published {republished} snapshots again after {sum(map(len, replay.values()))}"
                " re-delivered events that were all applied before (a duplicate must change nothing)"
            )
        report.notes.append("replay probe, skipped as duplicates: " + ", ".join(note))

    async def _quiet_snapshot_count(self, timeout: float = 20.0) -> int:
        """How many snapshots stats has published, once a few publisher rounds pass without a new one."""
        deadline = time.monotonic() + timeout
        last = -1
        while True:
            count = len(await read_all(self.bootstrap, Topics.STATS_NATIONAL))
            count += len(await read_all(self.bootstrap, Topics.STATS_REGIONAL))
            if count == last or time.monotonic() > deadline:
                return count
            last = count
            await asyncio.sleep(2.5 * PUBLISH_ROUND_SECONDS)

    async def check_usage_registry(self, ledger: Ledger, report: Report) -> None:
        """usage's own projections: its card registry and its record of uses."""
        accepted_cards = {c.code for c in ledger.accepted_cards()}
        counted = {u.redemption_id for u in ledger.counted_uses()}

        async def check() -> list[str]:
            diffs: list[str] = []
            for name in self.instances("usage"):  # every deployment's registry knows every card
                cards = {r["card_code"] for r in await self._rows_of(name, "SELECT card_code FROM cards")}
                diffs += _set_diff(f"{name} card registry", accepted_cards, cards & set(ledger.cards))
            rows = await self._rows("usage", "SELECT redemption_id FROM redemptions WHERE cancelled_at IS NULL")
            uses = {r["redemption_id"] for r in rows}
            return diffs + _set_diff("usage uses (every deployment's)", counted, uses & set(ledger.uses))

        report.differences += await converge(check)

    async def check_stats(self, ledger: Ledger, report: Report) -> None:
        """HTTP figures (national, and each region exactly) and the latest national snapshot on its topic."""
        national = expected_figures(ledger, None)
        regional = {r: expected_figures(ledger, r) for r in ledger.regions}

        async def http_figures() -> list[str]:
            diffs: list[str] = []
            async with httpx.AsyncClient(timeout=10) as http:
                for period, want in national.items():
                    r = await http.get(
                        f"{self.urls['stats']}/v1/stats/national", params={"period": period}, headers=auth("national")
                    )
                    diffs += compare(f"national {period}", want, r.json())
                for region, periods in regional.items():
                    for period, want in periods.items():
                        r = await http.get(
                            f"{self.urls['stats']}/v1/stats/regions/{region}",
                            params={"period": period},
                            headers=auth("region_admin", region=region),
                        )
                        diffs += compare(f"region {region} {period}", want, r.json())
            return diffs

        report.differences += await converge(http_figures)

        async def snapshots() -> list[str]:
            latest: dict[str, dict[str, Any]] = {}
            for r in await read_all(self.bootstrap, Topics.STATS_NATIONAL):
                v = r.json()
                if isinstance(v, dict) and r.key is not None:
                    latest[r.key] = v
            diffs: list[str] = []
            for period, want in national.items():
                if period not in latest:
                    diffs.append(f"no national snapshot for {period}")
                else:
                    diffs += compare(f"snapshot {period}", want, latest[period])
            return diffs

        report.differences += await converge(snapshots, timeout=30)

    async def dead_letters(self, report: Report) -> Counter[str]:
        counts: Counter[str] = Counter(
            r.headers.get("source_topic", "?") for r in await read_all(self.bootstrap, Topics.DEAD_LETTER)
        )
        report.dead_letters = dict(counts)
        return counts

    async def everything(self, ledger: Ledger, report: Report, *, earlier: Sequence[Ledger] = ()) -> None:
        """Every check; `earlier` are the ledgers of scenarios that ran before on the same stack."""
        whole = Ledger.merged([*earlier, ledger]) if earlier else ledger
        await self.collect_agency_outcomes(whole, report)
        self.check_outcomes(whole, report)
        await self.check_topics(whole, report)
        await self.check_usage_registry(whole, report)
        await self.check_stats(whole, report)
        await self.check_committed_published(report)
        await self.check_processed_events(report)
        await self.check_replay_is_skipped(report)
        await self.dead_letters(report)
        report.ledger = ledger.summary()
        report.outcome_messages = sum(len(u.outcomes_seen) for u in ledger.uses.values() if u.via == "agency")


_CARDS_SQL = "SELECT card_code, revoked_on FROM cards"


def _published_once(what: str, event_type: str, committed: set[str], published: dict[str, set[str]]) -> list[str]:
    diffs = _set_diff(f"{what} vs {event_type} on their topic", committed, set(published))
    twice = sorted(k for k, ids in published.items() if len(ids) > 1)
    if twice:
        diffs.append(f"{what}: {len(twice)} published as {event_type} under several event ids, e.g. {twice[:3]}")
    return diffs


def _set_diff(what: str, expected: set[str], actual: set[str]) -> list[str]:
    diffs = []
    missing, extra = expected - actual, actual - expected
    if missing:
        diffs.append(f"{what}: {len(missing)} missing, e.g. {sorted(missing)[:3]}")
    if extra:
        diffs.append(f"{what}: {len(extra)} not accepted but present, e.g. {sorted(extra)[:3]}")
    return diffs
