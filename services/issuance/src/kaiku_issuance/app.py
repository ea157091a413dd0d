"""Composition root of the issuance service."""

from __future__ import annotations

from kaiku_contracts.cards import CardIssued, CardRevoked
from kaiku_contracts.topics import Topics
from kaiku_runtime.db import service_migrations
from kaiku_runtime.service import KaikuService
from kaiku_runtime.settings import ServiceSettings

from kaiku_issuance.entrypoints import http
from kaiku_issuance.entrypoints.http.imports import MAX_FILE_BYTES

MIGRATIONS = service_migrations(__file__)

service = KaikuService(
    "issuance",
    settings=ServiceSettings(),
    migrations=MIGRATIONS,
    title="Kaikukortti issuance",
    description="Regions, distributors and their branches record the cards they grant, with the holder's"
    " anonymous background data (never a name, identity code, birth date, address or phone: §11).",
)
service.serve_regions()
service.include_router(http.router)
service.allow_upload("/v1/imports/cards", MAX_FILE_BYTES)
service.document_publisher(Topics.CARDS, CardIssued, "A card was granted (key = card code)")
service.document_publisher(Topics.CARDS, CardRevoked, "A card was revoked (key = card code)")
app = service.app
