"""A real browser (Debian's headless Chromium, driven by Playwright) against a real uvicorn server.

The home page loads YASGUI, a catalogue query runs against /sparql and its rows render in the results
table, and a programme page shows its offerings. The server also answers the acceptance check with curl.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from insatsgraf.api import create_app
from insatsgraf.config import Settings
from tests.conftest import require, require_binary
from tests.linked_data_fixtures import gnesta_store

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BASE = Settings().base
SCREENSHOTS = Path(os.environ.get("INSATSGRAF_SCREENSHOTS", "/tmp"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """uvicorn in a thread on a free loopback port, over an in-memory store with the bundled data."""
    port = free_port()
    settings = Settings().with_(store="memory:")
    config = uvicorn.Config(
        create_app(settings, gnesta_store(settings)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the uvicorn server did not start")
        time.sleep(0.05)
    yield url
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = require_binary("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed (pip install -e '.[test]')")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A page whose requests to any host but the loopback server are recorded (``page.outside``) and refused,
    so a page that needs the internet fails here rather than working only online."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")  # type: ignore[attr-defined]
    outside: list[str] = []

    def guard(route: Any) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOOPBACK:
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors  # type: ignore[attr-defined]
    pg.outside = outside  # type: ignore[attr-defined]
    yield pg
    context.close()


def test_curl_with_accept_turtle_gets_the_programmes_triples(server: str) -> None:
    curl = require_binary("curl")
    out = subprocess.run(
        [curl, "-s", "-H", "Accept: text/turtle", f"{server}/id/programme/komet"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert "<https://w3id.org/insatsgraf/id/programme/komet>" in out and "skos:prefLabel" in out
    assert "ig:implements" in out  # Gnesta's offering points at it
    html = httpx.get(f"{server}/id/programme/komet", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")


def test_home_page_loads_yasgui_with_the_catalogue_tabs(server: str, page: object) -> None:
    page.goto(server + "/", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector(".yasgui .tabsList", timeout=15000)  # type: ignore[attr-defined]
    tabs = page.locator(".yasgui .tabsList .tab").all_inner_texts()  # type: ignore[attr-defined]
    assert "coverage-matrix" in " ".join(tabs)
    assert page.locator(".yasqe .CodeMirror").count() >= 1  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path", ["/", "/docs", "/charts", "/charts/organisation/0580", "/id/programme/komet"]
)
def test_a_page_asks_no_other_host(server: str, page: object, path: str) -> None:
    """Offline use: the page and everything it loads come from the service (no CDN, no prefix.cc)."""
    if path == "/":  # YASGUI's prefix completion reads the service's prefixes, not prefix.cc's
        with page.expect_request("**/prefixes.json", timeout=20000):  # type: ignore[attr-defined]
            page.goto(server + path, wait_until="networkidle")  # type: ignore[attr-defined]
        page.wait_for_selector(".yasgui .tabsList", timeout=15000)  # type: ignore[attr-defined]
    else:
        page.goto(server + path, wait_until="networkidle")  # type: ignore[attr-defined]
    if path == "/docs":
        page.wait_for_selector("#swagger-ui .opblock", timeout=20000)  # type: ignore[attr-defined]
        assert page.locator("#swagger-ui .opblock").count() > 20  # type: ignore[attr-defined]
        paths = page.locator("#swagger-ui .opblock-summary-path").all_inner_texts()  # type: ignore[attr-defined]
        assert any(p.replace("\u200b", "") == "/sparql" for p in paths), paths[:5]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]  # what the page asks for once it has rendered
    assert page.outside == []  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_catalogue_tab_opens_on_the_query_not_its_header(server: str, page: object) -> None:
    page.goto(server + "/", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector(".yasgui .tabsList", timeout=15000)  # type: ignore[attr-defined]
    text = page.evaluate("window.yasgui.getTab().getQuery()")  # type: ignore[attr-defined]
    assert text.startswith("PREFIX "), text[:200]
    assert "#+" not in text


def test_a_catalogue_query_runs_and_its_rows_render(server: str, page: object) -> None:
    page.goto(server + "/", wait_until="networkidle")  # type: ignore[attr-defined]
    page.wait_for_selector(".yasgui .tabsList", timeout=15000)  # type: ignore[attr-defined]
    page.locator(".yasgui .tabsList .tab", has_text="offerings-of-programme").first.click()  # type: ignore[attr-defined]
    page.locator(".yasqe_queryButton:visible").first.click()  # type: ignore[attr-defined]
    page.wait_for_selector(".yasr table.dataTable tbody tr td:visible", timeout=20000)  # type: ignore[attr-defined]
    table = page.locator(".yasr table.dataTable:visible").first  # type: ignore[attr-defined]
    headers = " ".join(table.locator("thead th").all_inner_texts())
    body = table.locator("tbody").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "insatsgraf-home-query.png"), full_page=False)  # type: ignore[attr-defined]
    assert headers.strip()
    assert table.locator("tbody tr").count() >= 1
    assert "No data available" not in body
    # IRIs under the base link to this service's pages, with the resource's label beside them
    local = table.locator('tbody a[href^="/id/"]')
    assert local.count() >= 1
    page.wait_for_selector(".yasr tbody .iri-label", timeout=10000)  # type: ignore[attr-defined]
    shown = [t.strip() for t in table.locator("tbody .iri-label").all_inner_texts()]
    assert "Linköping" in shown, shown  # the organisation's IRI, labelled
    assert table.locator(f'tbody a[href^="{BASE}"]').count() == 0
    target = local.first.get_attribute("href")
    # (YASR's cell ellipsis takes the first click; follow the link's address, which is what matters)
    page.goto(server + target)  # type: ignore[attr-defined]
    assert page.locator("article.resource h1").count() == 1  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_programme_page_shows_its_offerings(server: str, page: object) -> None:
    page.goto(server + "/browse/programmes")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Komet", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_url("**/id/programme/komet")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text().startswith("Komet")  # type: ignore[attr-defined]
    rows = page.locator("#offerings table tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 2
    text = rows.all_inner_texts()
    assert any("Komet 3-11 år" in t and "Gnesta" in t for t in text)
    assert any("Komet kort" in t and "variant av" in t for t in text)
    page.screenshot(path=str(SCREENSHOTS / "insatsgraf-programme.png"), full_page=True)  # type: ignore[attr-defined]
    page.get_by_role("link", name="Gnesta").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/id/organisation/0461")  # type: ignore[attr-defined]
    assert page.locator("#offerings table tbody tr").count() == 3  # type: ignore[attr-defined]


def test_the_bundled_linkoping_submission_shows_on_the_mini_maria_page(server: str, page: object) -> None:
    page.goto(server + "/id/programme/mini-maria")  # type: ignore[attr-defined]
    rows = page.locator("#offerings table tbody tr").all_inner_texts()  # type: ignore[attr-defined]
    assert any("MiniMaria" in r and "Linköping" in r for r in rows), rows


def test_the_organisation_page_draws_its_bars(server: str, page: object) -> None:
    """The organisation page in a real browser: its sections render with bars of a visible width."""
    page.goto(server + "/charts/organisation/0580", wait_until="networkidle")  # type: ignore[attr-defined]
    for section in ("offerings", "figures", "ended"):
        bars = page.locator(f"#{section} rect.bar")  # type: ignore[attr-defined]
        assert bars.count() > 0, section
        assert bars.first.bounding_box()["width"] > 1, section
    page.screenshot(path=str(SCREENSHOTS / "insatsgraf-organisation-0580.png"), full_page=True)  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]
