"""What the demos do in place of a browser: read the consent form, and pick a free port."""

from __future__ import annotations

import socket
from html.parser import HTMLParser

from ledgerlink.emulator.core.server import free_port


class ConsentForm(HTMLParser):
    """The consent page's hidden fields to send back and the organisations it offers."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.tenants: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag != "input":
            return
        if values.get("type") == "hidden" and values.get("name"):
            self.hidden[values["name"]] = values.get("value", "")
        if values.get("name") == "tenant_id":
            self.tenants.append(values.get("value", ""))


def port_or_free(port: int) -> int:
    """`port` when it can be bound (as uvicorn binds it), else any free port."""
    if not port:
        return free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port
