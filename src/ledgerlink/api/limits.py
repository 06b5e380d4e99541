"""RequestLimits: a body is JSON and at most `max_body_bytes`, refused at once otherwise.

Starlette and FastAPI have a body limit of their own (`max_body_size`), but it answers a declared
Content-Length over the limit with a plain-text 413 that replaces any JSON error, so the limit
is enforced here, in the API's error envelope:
- a Content-Length over the limit is answered before anything reads the body;
- a body without one (chunked) is counted as it streams in, and refused the moment it passes
  the limit (the exception is an HTTPException, so FastAPI's body parser lets it through);
- a write (POST, PUT, PATCH) carrying a body that is not `application/json` (or `+json`) is a
  415 saying how to send it, instead of a 422 about a body FastAPI did not parse as JSON.
Every route of this API takes JSON; a route taking another media type would be exempted here.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerlink.api.errors import HttpError, render
from ledgerlink.api.middleware import answer_errors

WRITES = frozenset({"POST", "PUT", "PATCH"})


class BodyTooLarge(HTTPException):
    """413: the request body passed the limit (an HTTPException so FastAPI re-raises it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than this API accepts (at most "
                              f"{limit} bytes); send less at a time.")


class UnsupportedMediaType(HTTPException):
    """415: a body that is not JSON."""

    def __init__(self, content_type: str | None) -> None:
        sent = f"'{content_type}'" if content_type else "no Content-Type"
        super().__init__(415, f"Send the body as application/json with the header "
                              f"`Content-Type: application/json` (this request sent {sent}).")


def _error(exc: BodyTooLarge | UnsupportedMediaType) -> JSONResponse:
    return render(HttpError(exc.status_code, exc.detail, {}))


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON: application/json or application/<anything>+json."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                           and media.endswith("+json"))


def declared_length(headers: Headers) -> int | None:
    """The Content-Length, or None when absent or unreadable (the server rejects those)."""
    raw = headers.get("content-length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


class RequestLimits:
    """ASGI middleware: the body size limit and the JSON-only rule, in the API's error shape."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is not None:
            await _error(refusal)(scope, receive, send)
            return
        await self._counted(scope, receive, send)

    def refusal(self, scope: Scope) -> BodyTooLarge | UnsupportedMediaType | None:
        """What the headers alone already refuse."""
        headers = Headers(scope=scope)
        length = declared_length(headers)
        if length is not None and length > self.max_body_bytes:
            return BodyTooLarge(self.max_body_bytes)
        has_body = (length or 0) > 0 or "transfer-encoding" in headers
        content_type = headers.get("content-type")
        if scope["method"] in WRITES and has_body and not is_json(content_type):
            return UnsupportedMediaType(content_type)
        return None

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        # Read outside a route (routes answer it through the handler).
        await answer_errors(self.app, scope, counting_receive, send, BodyTooLarge,
                            lambda exc: _error(exc))  # type: ignore[arg-type]
