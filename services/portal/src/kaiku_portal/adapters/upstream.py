"""Calls to the issuance, usage and stats services, as the signed-in person.

The portal owns no domain data: every page reads and writes through the services' HTTP APIs
(docs/contract.md). Each call carries a short-lived JWT whose `sub` is the person's account id, so the
services record who acted. Refusals come back as `Rejection(reason, detail)`; pages show the
reason in the person's language, never a stack trace.

`IssuanceClient`, `UsageClient` and `StatsClient` are the typed calls the pages make: they send and
parse the services' own bodies (`kaiku_contracts.http`), so a page never reads a field the API lacks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from kaiku_contracts.http import issuance, stats, usage
from kaiku_runtime.auth import issue_token
from kaiku_runtime.logging import get_logger
from kaiku_runtime.metrics import REQUEST_ID_HEADER, current_request_id
from pydantic import BaseModel, ValidationError

from kaiku_portal.domain.accounts import Person
from kaiku_portal.settings import PortalSettings

log = get_logger(__name__)

ServiceName = Literal["issuance", "usage", "stats"]
SERVICE_UNAVAILABLE = "service_unavailable"
Answer = TypeVar("Answer", bound=BaseModel)


class Rejection(Exception):  # noqa: N818 (a refusal, not a failure)
    """A service said no (or could not be reached): the reason code and its human detail."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.status = status
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Download:
    content: bytes
    media_type: str
    filename: str | None


OPEN_ANSWERS_KEPT = 2000
"""At most this many open-data answers kept in memory (a few kilobytes each)."""


def _max_age(cache_control: str) -> int:
    """`public, max-age=300` -> 300; 0 when the answer may not be kept."""
    directives = [part.strip().lower() for part in cache_control.split(",")]
    if "no-store" in directives or "private" in directives:
        return 0
    for directive in directives:
        if directive.startswith("max-age=") and directive[8:].isdigit():
            return int(directive[8:])
    return 0


class Services:
    def __init__(self, settings: PortalSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.base = {"issuance": settings.issuance_url, "usage": settings.usage_url, "stats": settings.stats_url}
        self.issuance = IssuanceClient(self)
        self.usage = UsageClient(self)
        self.stats = StatsClient(self)
        # open data answers kept as long as stats lets any reader keep them (its Cache-Control), so the public
        # page (a year's twelve months at once) and a newspaper linking it cost stats one answer per URL
        self._open_answers: dict[str, tuple[float, httpx.Response]] = {}

    def token(self, person: Person) -> str:
        return issue_token(
            self.settings.jwt_secret,
            role=person.role,
            sub=person.account_id,
            region=person.region_id,
            org=person.org_id,
            ttl_seconds=self.settings.service_token_seconds,
        )

    async def request(
        self,
        person: Person | None,
        service: ServiceName,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        data: dict[str, str] | None = None,
    ) -> httpx.Response:
        url = self.base[service].rstrip("/") + path
        try:
            response = await self.http.request(
                method,
                url,
                json=json,
                params={k: v for k, v in (params or {}).items() if v is not None},
                files=files,
                data=data,
                headers=self._headers(person),
            )
        except httpx.HTTPError as exc:
            log.warning("upstream_unreachable", service=service, error=type(exc).__name__)
            raise Rejection(503, SERVICE_UNAVAILABLE, f"{service} did not answer") from exc
        if response.status_code >= 400:
            raise self._rejection(service, response)
        return response

    def _headers(self, person: Person | None) -> dict[str, str]:
        """The person's token (none for what anyone may read), and the page request's correlation id so the
        services' logs line up with ours."""
        headers = {"Authorization": f"Bearer {self.token(person)}"} if person is not None else {}
        request_id = current_request_id()
        if request_id is not None:
            headers[REQUEST_ID_HEADER] = request_id
        return headers

    @staticmethod
    def _rejection(service: ServiceName, response: httpx.Response) -> Rejection:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("reason"), str):  # docs/contract.md, the one error shape
            return Rejection(response.status_code, body["reason"], str(body.get("detail", "")))
        log.warning("upstream_error", service=service, status=response.status_code)
        return Rejection(response.status_code, SERVICE_UNAVAILABLE, f"{service} answered {response.status_code}")

    async def open_data(self, path: str, **params: Any) -> httpx.Response:
        """Stats' open data (no token: what anyone may read), for the public statistics page and its feed;
        reused while stats' `max-age` lasts."""
        key = path + "?" + "&".join(f"{name}={params[name]}" for name in sorted(params))
        now = time.monotonic()
        kept = self._open_answers.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        answer = await self.request(None, "stats", "GET", path, params=params)
        seconds = _max_age(answer.headers.get("cache-control", ""))
        if seconds > 0:
            if len(self._open_answers) >= OPEN_ANSWERS_KEPT:  # periods x regions x formats: bounded
                self._open_answers = {k: v for k, v in self._open_answers.items() if v[0] > now}
            if len(self._open_answers) < OPEN_ANSWERS_KEPT:
                self._open_answers[key] = (now + seconds, answer)
        return answer

    async def get(self, person: Person, service: ServiceName, path: str, **params: Any) -> Any:
        return (await self.request(person, service, "GET", path, params=params)).json()

    async def post(self, person: Person, service: ServiceName, path: str, body: Any) -> Any:
        response = await self.request(person, service, "POST", path, json=body)
        return response.json() if response.content else None

    async def put(self, person: Person, service: ServiceName, path: str, body: Any) -> Any:
        response = await self.request(person, service, "PUT", path, json=body)
        return response.json() if response.content else None

    async def patch(self, person: Person, service: ServiceName, path: str, body: Any) -> Any:
        response = await self.request(person, service, "PATCH", path, json=body)
        return response.json() if response.content else None

    async def delete(self, person: Person, service: ServiceName, path: str) -> Any:
        response = await self.request(person, service, "DELETE", path)
        return response.json() if response.content else None

    async def upload(
        self,
        person: Person,
        service: ServiceName,
        path: str,
        filename: str,
        content: bytes,
        fields: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        media = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if filename.lower().endswith(".xlsx")
            else "text/csv"
        )
        response = await self.request(
            person, service, "POST", path, files={"file": (filename, content, media)}, data=fields, params=params
        )
        return response.json()

    async def download(self, person: Person, service: ServiceName, path: str, **params: Any) -> Download:
        response = await self.request(person, service, "GET", path, params=params)
        disposition = response.headers.get("content-disposition", "")
        filename = disposition.split("filename=", 1)[1].strip('"; ') if "filename=" in disposition else None
        return Download(response.content, response.headers.get("content-type", "application/octet-stream"), filename)

    async def ready(self) -> dict[str, str]:
        """Whether each service answers (shown on /health/ready, not required for it)."""
        checks: dict[str, str] = {}
        for name, base in self.base.items():
            try:
                response = await self.http.get(base.rstrip("/") + "/health/ready", timeout=2)
                checks[name] = "ok" if response.status_code == 200 else f"not ready ({response.status_code})"
            except httpx.HTTPError as exc:
                checks[name] = f"unavailable ({type(exc).__name__})"
        return checks


def _parsed(model: type[Answer], service: ServiceName, body: Any) -> Answer:
    """The answer as the contract's model; one that does not fit is the service failing, said as such."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        log.warning("upstream_unexpected_body", service=service, model=model.__name__, errors=exc.error_count())
        raise Rejection(502, SERVICE_UNAVAILABLE, f"{service} answered an unexpected body") from exc


def segment(value: str) -> str:
    """An id as one path segment: an id of dots only (the API allows `.`) would otherwise climb the path."""
    quoted = quote(value, safe="")
    return quoted.replace(".", "%2E") if set(value) == {"."} else quoted


def _sent(body: BaseModel) -> dict[str, Any]:
    """A request model as JSON, with only the fields the page set (a PATCH changes only those)."""
    return body.model_dump(mode="json", exclude_unset=True)


class IssuanceClient:
    """Issuance's API (docs/contract.md, docs/issuance.md) as the pages use it."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def distributors(self, person: Person, region_id: str | None) -> list[issuance.Distributor]:
        answer = await self.services.get(person, "issuance", "/v1/distributors", region_id=region_id)
        return _parsed(issuance.Distributors, "issuance", answer).distributors

    async def add_distributor(self, person: Person, body: issuance.DistributorIn) -> None:
        await self.services.post(person, "issuance", "/v1/distributors", _sent(body))

    async def change_distributor(self, person: Person, distributor_id: str, body: issuance.DistributorPatch) -> None:
        await self.services.patch(person, "issuance", f"/v1/distributors/{segment(distributor_id)}", _sent(body))

    async def regions(self, person: Person) -> list[issuance.Region]:
        """Every region for the national office (a coordinator: their own)."""
        answer = await self.services.get(person, "issuance", "/v1/regions")
        return _parsed(issuance.Regions, "issuance", answer).regions

    async def card_ranges(self, person: Person, region_id: str) -> list[issuance.CodeRange]:
        """The region's printed code ranges (the national office, the region's admin and its distributors)."""
        answer = await self.services.get(person, "issuance", f"/v1/regions/{segment(region_id)}/card-ranges")
        return _parsed(issuance.CodeRanges, "issuance", answer).ranges

    async def add_region(self, person: Person, body: issuance.RegionIn) -> None:
        await self.services.post(person, "issuance", "/v1/regions", _sent(body))

    async def change_region(self, person: Person, region_id: str, body: issuance.RegionPatch) -> None:
        await self.services.patch(person, "issuance", f"/v1/regions/{segment(region_id)}", _sent(body))

    async def cards(
        self, person: Person, distributor_id: str | None, after: str | None = None, limit: int | None = None
    ) -> issuance.Cards:
        """A page of cards in code order (`next_after` continues it; `limit` up to issuance's 1000)."""
        answer = await self.services.get(
            person, "issuance", "/v1/cards", distributor_id=distributor_id, after=after, limit=limit
        )
        return _parsed(issuance.Cards, "issuance", answer)

    async def card(self, person: Person, card_code: str) -> issuance.Card:
        answer = await self.services.get(person, "issuance", f"/v1/cards/{segment(card_code)}")
        return _parsed(issuance.Card, "issuance", answer)

    async def grant(self, person: Person, body: dict[str, Any]) -> issuance.IssuedCard:
        """`POST /v1/cards`; the body is the grant form's (the API judges it, in the person's language)."""
        answer = await self.services.post(person, "issuance", "/v1/cards", body)
        return _parsed(issuance.IssuedCard, "issuance", answer)

    async def revoke(self, person: Person, card_code: str, body: issuance.RevocationIn) -> None:
        await self.services.post(person, "issuance", f"/v1/cards/{segment(card_code)}/revocation", _sent(body))


class UsageClient:
    """Usage's API (docs/contract.md, docs/usage.md) as the pages use it."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def venues(self, person: Person, region_id: str | None) -> list[usage.Venue]:
        answer = await self.services.get(person, "usage", "/v1/venues", region_id=region_id)
        return _parsed(usage.Venues, "usage", answer).venues

    async def add_venue(self, person: Person, body: usage.VenueIn) -> None:
        await self.services.post(person, "usage", "/v1/venues", _sent(body))

    async def change_venue(self, person: Person, venue_id: str, body: usage.VenuePatch) -> None:
        await self.services.patch(person, "usage", f"/v1/venues/{segment(venue_id)}", _sent(body))

    async def performances(
        self,
        person: Person,
        venue_id: str | None,
        *,
        since: datetime | None = None,
        include_cancelled: bool = False,
    ) -> list[usage.Performance]:
        """The venue's performances in start order (from `since` on; usage's default is 12 hours ago)."""
        answer = await self.services.get(
            person,
            "usage",
            "/v1/performances",
            venue_id=venue_id,
            since=since.isoformat() if since is not None else None,
            include_cancelled="true" if include_cancelled else None,
        )
        return _parsed(usage.Performances, "usage", answer).performances

    async def cancel_performance(self, person: Person, performance_id: str) -> usage.PerformanceCancelled:
        """Cancel a performance and, with it, every use of it (`DELETE /v1/performances/{id}`)."""
        answer = await self.services.delete(person, "usage", f"/v1/performances/{segment(performance_id)}")
        return _parsed(usage.PerformanceCancelled, "usage", answer)

    async def card_status(self, person: Person, card_code: str) -> usage.CardStatus:
        answer = await self.services.get(person, "usage", f"/v1/cards/{segment(card_code)}/status")
        return _parsed(usage.CardStatus, "usage", answer)


class StatsClient:
    """Stats' API (docs/contract.md, docs/stats.md) as the pages use it."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def region(self, person: Person, region_id: str | None, period: str) -> dict[str, Any]:
        """A region's figures of a period (their shape varies by reader: docs/stats.md)."""
        answer: dict[str, Any] = await self.services.get(
            person, "stats", f"/v1/stats/regions/{segment(region_id or '')}", period=period
        )
        return answer

    async def national(self, person: Person, period: str) -> dict[str, Any]:
        answer: dict[str, Any] = await self.services.get(person, "stats", "/v1/stats/national", period=period)
        return answer

    async def annual_report(self, person: Person, region_id: str | None, year: int | str) -> stats.AnnualReport:
        """The annual report's rows as JSON (region None: the country; national only)."""
        answer = await self.services.get(
            person, "stats", "/v1/reports/annual", region_id=region_id, year=year, format="json"
        )
        return _parsed(stats.AnnualReport, "stats", answer)

    async def regions_side_by_side(self, person: Person, period: str) -> list[dict[str, Any]]:
        """Every region's main figures of a period (national office; docs/stats.md)."""
        answer = await self.services.get(person, "stats", "/v1/stats/regions", period=period)
        rows: list[dict[str, Any]] = answer["regions"]
        return rows

    async def uses(self, person: Person, region_id: str, **filters: str | int | None) -> stats.RegionUses:
        """The region's uses, newest first (§9.3; docs/stats.md "Uses"); filters left None are not sent."""
        sent = {name: value for name, value in filters.items() if value not in (None, "")}
        answer = await self.services.get(person, "stats", "/v1/uses", region_id=region_id, **sent)
        return _parsed(stats.RegionUses, "stats", answer)

    async def venues_with_uses(self, person: Person, region_id: str, period: str) -> stats.VenueUseCounts:
        answer = await self.services.get(person, "stats", "/v1/uses/venues", region_id=region_id, period=period)
        return _parsed(stats.VenueUseCounts, "stats", answer)
