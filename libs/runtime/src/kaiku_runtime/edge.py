"""The HTTP edge every service shares: what is refused before a route (or authentication) sees a request.

* Bodies over their cap are 413 `payload_too_large`: a JSON body over 64 KiB, an upload over its
  import's documented cap (docs/contract.md "Request bodies over 64 KiB ... are refused before they are
  read whole"). A `Content-Length` over the cap is refused without reading; a chunked body is counted
  as it streams and refused at the first byte past the cap.
* Personal identity codes (docs/contract.md, §11) in the path, the query string, the `X-Request-ID`
  header, a JSON body, or a multipart upload's file name and text fields are 422 `invalid_request`
  naming the field, never echoing the value (and never logged: this runs before anything logs it).
* Outside development mode a service with a guessable key refuses to start (`RefuseUnsafeStart`).

Starlette's own `RequestBodyLimitMiddleware` answers in plain text, not the contract's
`{"reason", "detail"}`, hence this small middleware.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.identity_codes import IDENTITY_CODE_REFUSAL, contains_identity_code, fields_with_identity_codes
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kaiku_runtime.errors import STATUS_BY_REASON, error_body
from kaiku_runtime.metrics import REQUEST_ID_HEADER
from kaiku_runtime.settings import ServiceSettings, startup_refusal

MAX_JSON_BODY_BYTES = 64 * 1024
"""docs/contract.md: every request body over 64 KiB is refused (imports have their own cap)."""
MAX_FORM_FIELD_BYTES = 4096  # a multipart text field scanned for identity codes; longer ones are not ids
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class EdgeRefusal(HTTPException):
    """A request refused at the edge; also raised from inside a route while it streams the body."""

    def __init__(self, reason: RejectionReason, detail: str) -> None:
        super().__init__(status_code=STATUS_BY_REASON[reason], detail=detail)
        self.reason = reason


def too_large(limit: int) -> EdgeRefusal:
    size = f"{limit // 1024} KiB" if limit < 2**20 else f"{limit // 2**20} MiB"
    return EdgeRefusal(RejectionReason.PAYLOAD_TOO_LARGE, f"body: larger than {size}, the most this endpoint reads")


def identity_code_in(fields: list[str]) -> EdgeRefusal | None:
    """The refusal naming the fields that hold an identity code (never their values), or None."""
    if not fields:
        return None
    named = ", ".join(dict.fromkeys(fields))
    return EdgeRefusal(RejectionReason.INVALID_REQUEST, f"{named}: {IDENTITY_CODE_REFUSAL}")


def url_fields_with_identity_codes(
    path: str, path_params: Mapping[str, object], query_string: str, request_id: str | None
) -> list[str]:
    """Where an identity code sits in the request line or the correlation id header (pure)."""
    fields: list[str] = []
    if path_holds_identity_code(path):
        named = [name for name, value in path_params.items() if contains_identity_code(str(value))]
        fields += named or ["path"]
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        if contains_identity_code(key):
            fields.append("query")
        elif contains_identity_code(value):
            fields.append(key)
    if request_id is not None and contains_identity_code(request_id):
        fields.append(REQUEST_ID_HEADER)
    return fields


def path_holds_identity_code(path: str) -> bool:
    # segment by segment: a UUID segment (a redemption id) is never read as a code
    return any(contains_identity_code(segment) for segment in path.split("/"))


def _path_params(scope: Scope) -> Mapping[str, object]:
    """The path parameters of the route the path matches, so a refusal can name `card_code` rather than
    "path". Matched against the app's OpenAPI path templates (FastAPI caches the document), since the
    router's own matching runs only after this middleware; asked only when a path holds a code."""
    openapi = getattr(scope.get("app"), "openapi", None)
    if openapi is None:
        return {}
    for template in openapi().get("paths", {}):
        regex, _, convertors = compile_path(template)
        match = regex.match(scope["path"])
        if match is not None:
            return {name: convertors[name].convert(value) for name, value in match.groupdict().items()}
    return {}


def _is_json(content_type: str) -> bool:
    # FastAPI reads a body without a content type as JSON too
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("", "application/json") or media.endswith("+json")


class _MultipartScan:
    """Feeds a multipart body through python-multipart as it streams, to see part names and file names."""

    def __init__(self, boundary: bytes) -> None:
        self.found: list[str] = []
        self._header_field = b""
        self._header_value = b""
        self._name = ""
        self._is_file = False
        self._data = b""
        self._broken = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._on_field,
                "on_header_value": self._on_value,
                "on_header_end": self._header_end,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        if self._broken or not chunk:
            return
        try:
            self._parser.write(chunk)
        except Exception:  # a malformed body is the form parser's to refuse; stop looking
            self._broken = True

    def _part_begin(self) -> None:
        self._name, self._is_file, self._data = "", False, b""

    def _on_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_field.strip().lower() == b"content-disposition":
            _, options = parse_options_header(self._header_value)
            self._name = options.get(b"name", b"").decode("utf-8", "replace")
            filename = options.get(b"filename")
            if filename is not None:
                self._is_file = True
                if contains_identity_code(filename.decode("utf-8", "replace")):
                    self.found.append(f"{self._name or 'file'} (file name)")
        self._header_field = self._header_value = b""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file and len(self._data) <= MAX_FORM_FIELD_BYTES:
            self._data += data[start:end]

    def _part_end(self) -> None:
        if not self._is_file and contains_identity_code(self._data.decode("utf-8", "replace")):
            self.found.append(self._name or "form")


class HttpEdge:
    """ASGI middleware: body caps and identity codes, before routing, authentication and logging."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = MAX_JSON_BODY_BYTES,
        uploads: Mapping[str, int] | None = None,
        identity_codes: bool = True,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.uploads = uploads if uploads is not None else {}  # read per request: routes may add theirs later
        self.identity_codes = identity_codes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._serve(scope, receive, tracking_send)
        except EdgeRefusal as refusal:
            if started:
                raise
            await JSONResponse(error_body(refusal.reason, refusal.detail), status_code=refusal.status_code)(
                scope, receive, send
            )

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        if self.identity_codes:
            refusal = identity_code_in(
                url_fields_with_identity_codes(
                    scope["path"],
                    _path_params(scope) if path_holds_identity_code(scope["path"]) else {},
                    scope.get("query_string", b"").decode("latin-1"),
                    headers.get(REQUEST_ID_HEADER),
                )
            )
            if refusal is not None:
                raise refusal
        limit = self.uploads.get(scope["path"], self.max_body_bytes)
        try:
            declared = int(headers.get("content-length", ""))
        except ValueError:
            declared = None
        if declared is not None and declared > limit:
            raise too_large(limit)
        content_type = headers.get("content-type", "")
        if self.identity_codes and scope["method"] in _BODY_METHODS and _is_json(content_type):
            body = await _read_capped(receive, limit)
            if body:
                try:
                    document = json.loads(body)
                except ValueError:
                    document = None  # not JSON: the route answers 422 for it
                # fields named as validation errors name them (`holder.note`); a bare string is "body"
                found = ["body" if f == "value" else f for f in fields_with_identity_codes(document)]
                refusal = identity_code_in(found)
                if refusal is not None:
                    raise refusal
            await self.app(scope, _replay(body, receive), send)
            return
        scan: _MultipartScan | None = None
        media, options = parse_options_header(content_type)
        if self.identity_codes and media == b"multipart/form-data" and options.get(b"boundary"):
            scan = _MultipartScan(options[b"boundary"])
        await self.app(scope, _counted(receive, limit, scan), send)


async def _read_capped(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _counted(receive: Receive, limit: int, scan: _MultipartScan | None) -> Receive:
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            if scan is not None:
                scan.feed(chunk)
                refusal = identity_code_in(scan.found)
                if refusal is not None:
                    raise refusal
        return message

    return counted


class RefuseUnsafeStart:
    """ASGI middleware: the lifespan's start fails with one line saying what to set when the configuration
    would run on a guessable key (docs/contract.md "Authentication"); uvicorn then exits non-zero."""

    def __init__(self, app: ASGIApp, *, name: str, settings: Callable[[], ServiceSettings]) -> None:
        self.app = app
        self.name = name
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            problem = startup_refusal(self.settings())
            if problem is not None:
                await receive()  # lifespan.startup
                await send({"type": "lifespan.startup.failed", "message": f"{self.name} refuses to start: {problem}"})
                return
        await self.app(scope, receive, send)
