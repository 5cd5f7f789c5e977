"""The review page in a real browser (Debian's headless Chromium, Playwright) against a real uvicorn server.

A person opens /harmonise, sees the queue (most shared names first), pastes a token, and accepts, rejects
and maps proposals: each decided name leaves the queue, the decisions are in the file. No request may
leave the service (every request to a host other than the loopback server is aborted and fails the test).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.config import Settings
from insatsgraf.harmonisation.decisions import read_file
from insatsgraf.sparql.embedded import OxigraphStore
from tests.test_harmonise_review import load_review_lists
from tests.test_web_browser import SCREENSHOTS, browser, free_port  # noqa: F401 - browser is a fixture

pytestmark = pytest.mark.browser


class Service:
    def __init__(self, url: str, token: str, decisions: Path, org_token: str = ""):
        self.url, self.token, self.decisions, self.org_token = url, token, decisions, org_token


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """uvicorn in a thread on a free loopback port, over a store with the review lists and a token."""
    settings = Settings().with_(store="memory:")
    store = OxigraphStore(None, base=settings.base)
    load_review_lists(store, settings)
    registry = TokenRegistry(tmp_path / "tokens.json")
    token, _ = registry.issue_curator("browser test")  # decides for all organisations
    org_token, _ = registry.issue("fou-sormland", "browser test")
    app = create_app(settings, store, tokens=tmp_path / "tokens.json")
    app.state.decisions_path = tmp_path / "decisions.ttl"
    port = free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the uvicorn server did not start")
        time.sleep(0.05)
    yield Service(f"http://127.0.0.1:{port}", token, tmp_path / "decisions.ttl", org_token)
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser: Any, service: Service) -> Iterator[Any]:  # noqa: F811 - the imported fixture
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    outside: list[str] = []
    server_host = urlsplit(service.url).netloc

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).netloc == server_host:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    yield pg
    context.close()
    assert outside == [], f"requests left the service: {outside}"
    assert errors == []


def item(page: Any, key: str) -> Any:
    return page.locator(f'li.item[data-key="{key}"]')


def decide(page: Any, key: str, programme: str, button: str) -> None:
    item(page, key).locator(f'tr.candidate[data-programme="{programme}"] button.{button}').click()


def test_a_person_works_through_the_queue(page: Any, service: Service) -> None:
    page.goto(service.url + "/harmonise")
    assert page.locator("h1").inner_text().startswith("Granskning")
    items = page.locator("li.item")
    assert items.count() == 6
    assert items.first.get_attribute("data-name") == "Mini Macho"  # four organisations: first
    assert "4" in items.first.locator(".orgs .shared").inner_text()
    assert "Gnesta" in items.first.locator(".orgs").inner_text()
    assert "under gränsen 92" in item(page, "kommet").locator("ul.why").inner_text()
    assert page.locator('header.site nav a[href="/harmonise"]').count() == 1

    # without a token nothing is sent
    decide(page, "kommet", "komet", "accept")
    assert "token" in page.locator("#status").inner_text().lower()
    # a wrong token: the service's message, the item stays
    page.fill("#token", "not-a-token")
    page.fill("#by", "Lina Larsson")
    decide(page, "kommet", "komet", "accept")
    page.wait_for_selector("#status.error >> text=okänd")
    assert item(page, "kommet").count() == 1

    # the real token, kept for this tab only
    page.fill("#token", service.token)
    page.fill("#reason", "stavfel för Komet")
    assert page.evaluate("sessionStorage.getItem('insatsgraf.token')") == service.token
    decide(page, "kommet", "komet", "accept")
    item(page, "kommet").wait_for(state="detached", timeout=15000)
    assert "Beslut sparat" in page.locator("#status").inner_text()
    assert page.locator("li.item").count() == 5

    # reject likewise
    page.fill("#reason", "inte Circle of Security")
    decide(page, "cirkel of security", "cos", "reject")
    item(page, "cirkel of security").wait_for(state="detached", timeout=15000)

    # map to another programme, as a variant
    form = item(page, "hvb for ensamkommande").locator("form.map")
    form.locator('input[name="programme"]').fill("hvb")
    form.locator('select[name="relation"]').select_option("like")
    form.locator('button[type="submit"]').click()
    item(page, "hvb for ensamkommande").wait_for(state="detached", timeout=15000)
    assert page.locator("li.item").count() == 3

    page.screenshot(path=str(SCREENSHOTS / "insatsgraf-harmonise.png"), full_page=True)
    decided = {
        (d.name, d.outcome, d.programme, d.relation, d.by)
        for d in read_file(service.decisions, Settings().base)
    }
    assert decided == {
        ("KOMMET", "accepted", "komet", "same", "Lina Larsson"),
        ("Cirkel of Security", "rejected", "cos", "same", "Lina Larsson"),
        ("HVB för ensamkommande", "mapped", "hvb", "like", "Lina Larsson"),
    }
    # a new page load keeps the token (same tab) and shows the shorter queue
    page.reload()
    assert page.input_value("#token") == service.token
    assert page.locator("li.item").count() == 3


def test_the_org_filter_scopes_the_queue_and_the_decision(page: Any, service: Service) -> None:
    page.goto(service.url + "/harmonise")
    page.select_option("#org", "0480")
    page.locator("form.filter button").click()
    page.wait_for_url("**/harmonise?org=0480")
    assert [i.get_attribute("data-key") for i in page.locator("li.item").all()] == [
        "hvb for ensamkommande",
        "kommet",
        "mini macho",
    ]
    # the filter's organisation is the default scope; fou-sormland's token may not decide for 0480
    page.fill("#token", service.org_token)
    page.fill("#by", "Lina")
    decide(page, "mini macho", "machofabriken", "accept")
    page.wait_for_selector("#status.error >> text=0480")
    # nor for every organisation: the page says a curator's token is needed, in both languages
    item(page, "mini macho").locator("select.scope").select_option("")
    decide(page, "mini macho", "machofabriken", "accept")
    page.wait_for_selector("#status.error >> text=kurators token")
    assert "curator's token" in page.locator("#status").inner_text()
    assert item(page, "mini macho").count() == 1
    # a curator's token: allowed, and the name leaves the queue
    page.fill("#token", service.token)
    decide(page, "mini macho", "machofabriken", "accept")
    item(page, "mini macho").wait_for(state="detached", timeout=15000)
    [d] = read_file(service.decisions, Settings().base)
    assert (d.name, d.outcome, d.relation, d.org) == ("Mini Macho", "accepted", "local-adaptation", None)
