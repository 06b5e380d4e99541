"""CatchAll: any exception no handler took becomes a JSON 500 and the connection stays open."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerlink.api.errors import unexpected


async def answer_errors(app: ASGIApp, scope: Scope, receive: Receive, send: Send,
                        errors: type[BaseException] | tuple[type[BaseException], ...],
                        answer: Callable[[BaseException], Response]) -> None:
    """Run `app`; if it raises one of `errors` before answering, send `answer(error)` instead.

    Once half a response is out only closing the connection can tell, so the error goes on.
    """
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except errors as exc:
        if started:
            raise
        await answer(exc)(scope, receive, send)


class CatchAll:
    """Answer a 500 for an unhandled exception instead of letting it reach the server.

    Starlette's own handler for `Exception` answers and then re-raises, and uvicorn closes
    the keep-alive connection on that; a client's next request (even /health) then fails.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await answer_errors(self.app, scope, receive, send, Exception,
                            lambda exc: unexpected(Request(scope), exc))
