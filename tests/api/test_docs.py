"""/docs and /redoc come from packaged assets: no URL off the app, a policy keeping them home."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ledgerlink.api.docs import ASSETS_URL, install_docs

ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>)]*")
ASSETS = {"swagger-ui-bundle.js": "javascript", "swagger-ui.css": "text/css",
          "redoc.standalone.js": "javascript", "favicon.png": "image/png"}


def docs_app() -> FastAPI:
    """An app set up as create_app sets up its docs: FastAPI's own pages off, ours on."""
    app = FastAPI(title="ledgerlink", docs_url=None, redoc_url=None)

    @app.get("/api/v1/things", summary="List things")
    async def list_things() -> list[str]:
        return []

    install_docs(app)
    return app


def off_app_urls(text: str, own: str) -> list[str]:
    """Absolute URLs in a page that do not point at the app itself."""
    return [url for url in ABSOLUTE_URL.findall(text) if not url.startswith(own)]


def inline_script_hashes(page: str) -> set[str]:
    """CSP sources allowing exactly the page's inline scripts."""
    digests = (hashlib.sha256(s.encode()).digest()
               for s in re.findall(r"<script>(.*?)</script>", page, re.DOTALL))
    return {f"'sha256-{base64.b64encode(d).decode()}'" for d in digests}


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_pages_name_no_url_off_the_app(path: str) -> None:
    with TestClient(docs_app()) as http:
        page = http.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert off_app_urls(page.text, "http://testserver") == []
    assert "/openapi.json" in page.text
    linked = set(re.findall(rf'(?:src|href)="{ASSETS_URL}/([^"]+)"', page.text))
    assert linked and linked <= set(ASSETS)


def test_the_assets_are_served_from_the_package() -> None:
    with TestClient(docs_app()) as http:
        for name, kind in ASSETS.items():
            asset = http.get(f"{ASSETS_URL}/{name}")
            assert asset.status_code == 200, name
            assert kind in asset.headers["content-type"], (name, asset.headers)
        bundle = http.get(f"{ASSETS_URL}/swagger-ui-bundle.js").text
        assert http.get(f"{ASSETS_URL}/nothing-here.js").status_code == 404
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.\d+\.\d+"', bundle)
    assert version and version.group(1) == "5", "Swagger UI 5 is what we ship"


def test_the_pages_may_load_only_their_own_origin() -> None:
    with TestClient(docs_app()) as http:
        swagger, redoc = http.get("/docs"), http.get("/redoc")
    for page in (swagger, redoc):
        policy = dict(d.strip().split(" ", 1) for d in
                      page.headers["content-security-policy"].split(";"))
        assert policy["default-src"] == "'none'"
        assert policy["connect-src"] == "'self'" and policy["img-src"] == "'self' data:"
        assert "'unsafe-inline'" not in policy["script-src"]
        assert set(policy["script-src"].split()) == {"'self'"} | inline_script_hashes(page.text)
    assert inline_script_hashes(swagger.text)  # Swagger UI's start-up script, allowed by hash
    assert '"validatorUrl": null' in swagger.text  # no badge fetched from validator.swagger.io


def test_the_pages_follow_the_root_path_of_a_proxy() -> None:
    with TestClient(docs_app(), root_path="/hub") as http:
        swagger, redoc = http.get("/docs").text, http.get("/redoc").text
    assert f"/hub{ASSETS_URL}/swagger-ui-bundle.js" in swagger and "'/hub/openapi.json'" in swagger
    assert f"/hub{ASSETS_URL}/redoc.standalone.js" in redoc and '"/hub/openapi.json"' in redoc


def test_install_docs_refuses_an_app_with_fastapis_cdn_pages() -> None:
    with pytest.raises(ValueError, match="docs_url=None, redoc_url=None"):
        install_docs(FastAPI())
    with pytest.raises(ValueError, match="no OpenAPI document"):
        install_docs(FastAPI(docs_url=None, redoc_url=None, openapi_url=None))


# Against create_app itself: passes once api/app.py creates the app with
# `docs_url=None, redoc_url=None` and calls `install_docs(app)`.
async def test_the_hub_serves_its_docs_offline(client: httpx.AsyncClient) -> None:
    for path in ("/docs", "/redoc"):
        page = await client.get(path)
        assert page.status_code == 200
        assert off_app_urls(page.text, str(client.base_url)) == [], path
        assert "default-src 'none'" in page.headers["content-security-policy"]
    assert (await client.get(f"{ASSETS_URL}/swagger-ui.css")).status_code == 200
    missing = await client.get(f"{ASSETS_URL}/nothing-here.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"  # the error contract holds here too
