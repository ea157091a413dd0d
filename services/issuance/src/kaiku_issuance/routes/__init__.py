"""HTTP entrypoints of issuance (INTERFACE.md): thin, they parse, check scope and call the handlers."""

from __future__ import annotations

from fastapi import APIRouter

from kaiku_issuance.routes import cards, imports, organisations

router = APIRouter()
router.include_router(organisations.router)
router.include_router(cards.router)
router.include_router(imports.router)
