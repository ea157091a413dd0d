"""The printable forms (§9.2 venue report, §4.2 transfer form) to download: fillable XLSX or print-ready PDF,
in the page's language (domain/forms.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from kaiku_runtime.auth import Role

from kaiku_portal.domain.accounts import Session
from kaiku_portal.domain.forms import FORMS, as_pdf, as_xlsx
from kaiku_portal.entrypoints.access import role
from kaiku_portal.i18n import translate

router = APIRouter()
Staff = Annotated[Session, role(Role.VENUE, Role.DISTRIBUTOR, Role.REGION_ADMIN, Role.NATIONAL)]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@router.get("/forms/{name}.{extension}")
async def printable_form(request: Request, session: Staff, name: str, extension: str) -> Response:
    form = FORMS.get(name)
    if form is None or extension not in MEDIA:
        raise HTTPException(status_code=404)
    lang = request.state.lang

    def say(key: str) -> str:
        return translate(lang, key)

    content = as_xlsx(form, say) if extension == "xlsx" else as_pdf(form, say)
    filename = f"{say(form.file_stem)}.{extension}"
    return Response(
        content, media_type=MEDIA[extension], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
