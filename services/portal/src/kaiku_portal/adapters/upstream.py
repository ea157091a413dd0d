"""Calls to the issuance, usage and stats services, as the signed-in person.

The portal owns no domain data: every page reads and writes through the services' HTTP APIs
(docs/contract.md). Each call carries a short-lived JWT whose `sub` is the person's account id, so the
services record who acted. Refusals come back as `Rejection(reason, detail)`; pages show the
reason in the person's language, never a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx
from kaiku_runtime.auth import issue_token
from kaiku_runtime.logging import get_logger
from kaiku_runtime.metrics import REQUEST_ID_HEADER, current_request_id

from kaiku_portal.domain.accounts import Person
from kaiku_portal.settings import PortalSettings

log = get_logger(__name__)

ServiceName = Literal["issuance", "usage", "stats"]
SERVICE_UNAVAILABLE = "service_unavailable"


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


class Services:
    def __init__(self, settings: PortalSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.base = {"issuance": settings.issuance_url, "usage": settings.usage_url, "stats": settings.stats_url}

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
        """Stats' open data (no token: what anyone may read), for the public statistics page and its feed."""
        return await self.request(None, "stats", "GET", path, params=params)

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
    ) -> Any:
        media = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if filename.lower().endswith(".xlsx")
            else "text/csv"
        )
        response = await self.request(
            person, service, "POST", path, files={"file": (filename, content, media)}, data=fields
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
