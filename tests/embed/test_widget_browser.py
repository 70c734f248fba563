"""The careers widget in a real browser: a page on one origin loads /embed.js from `canopy serve`
on another, in headless Chromium (Debian's, driven by Playwright), and shows the published jobs
grouped as asked, job names as text only.

Chromium comes from scripts/install-browser.sh (`make test` runs it). Without it the test fails
in CI and is skipped elsewhere, saying why. `make test-fast` leaves it out (marker `browser`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import select

from canopy import migrate
from canopy.db import create_engine, create_sessionmaker
from canopy.models import Organization, OrganizationWebsite
from tests.embed.helpers import DEPARTMENTS
from tests.fixtures.builders import JOBS
from tests.fixtures.processes import Canopy, serve

if TYPE_CHECKING:
    from playwright.sync_api import Dialog, Error, Page, Response

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
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
TIMEOUT_MS = 20_000
HOSTILE = "<img src=x onerror=alert(1)>"
CAREERS = "https://careers.acme.test/"

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Acme careers</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
  <h1>Join Acme</h1>
  <div id="canopy-jobs" data-organization="{org}" data-group-by="department"
       data-lang="fr"></div>
  <h2>By office</h2>
  <div data-canopy-jobs data-organization="{org}" data-group-by="office" data-lang="en"></div>
  <script src="{canopy}/embed.js" async></script>
</body>
</html>
"""

# What each list must show: [(group heading, [job names])], in order.
BY_DEPARTMENT_FR = [
    ("Data", ["Data Analyst"]),
    ("Tech", ["Backend Engineer", HOSTILE]),
    ("Autres", ["Spontaneous application"]),
]
BY_OFFICE_EN = [
    ("Lyon", [HOSTILE, "Data Analyst"]),
    ("Paris", ["Backend Engineer"]),
    ("Other", ["Spontaneous application"]),
]

# Each list's groups, read from the DOM as the visitor sees them.
READ_GROUPS = """container => [...container.querySelectorAll('.canopy-jobs__group')].map(
    group => [group.querySelector('h3').textContent,
              [...group.querySelectorAll('.canopy-jobs__name')].map(n => n.textContent)])"""


def _chromium_or_skip() -> None:
    """Fail in CI, skip elsewhere, when the browser or its driver is not installed."""
    problem = None
    if not CHROMIUM.is_file():
        problem = f"{CHROMIUM} is missing: run scripts/install-browser.sh as root"
    elif importlib.util.find_spec("playwright") is None:
        problem = "the playwright package is missing: pip install -e '.[dev]'"
    if problem is None:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"the browser test must run in CI: {problem}")
    pytest.skip(problem)


@contextmanager
def static_site(pages: dict[str, bytes]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving ``pages`` (path → HTML): the embedding site."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?", 1)[0])
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def _add_website(canopy: Canopy, organization_reference: str) -> None:
    # Written in-process: the organisation websites' admin endpoints are not built yet.
    engine = create_engine(canopy.settings())
    try:
        async with create_sessionmaker(engine, write=True)() as session:
            organization = await session.scalar(
                select(Organization).where(Organization.reference == organization_reference)
            )
            assert organization is not None
            session.add(
                OrganizationWebsite(
                    organization_id=organization.id,
                    reference="wttj_careers",
                    name="Acme careers",
                    root_url=CAREERS,
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


def _seed_jobs(api: httpx.Client, org: str) -> dict[str, str]:
    """Published jobs in two departments and two offices, and a draft and an archived job that
    must not show; their references by name."""
    departments = {}
    for name in ("Tech", "Data"):
        response = api.post(DEPARTMENTS, json={"organization_reference": org, "name": name})
        assert response.status_code == 201, response.text
        departments[name] = response.json()["id"]
    jobs = [
        ("Backend Engineer", "Tech", "Paris", "published", "wttj_fr"),
        (HOSTILE, "Tech", "Lyon", "published", None),
        ("Data Analyst", "Data", "Lyon", "published", None),
        ("Secret draft", "Tech", "Paris", "draft", None),
        ("Archived role", "Data", "Paris", "published", None),
    ]
    references = {}
    for name, department, city, status, sites in jobs:
        body: dict[str, Any] = {
            "organization_reference": org,
            "name": name,
            "description": "We are hiring.",
            "profile": "You.",
            "contract_type": "INTERNSHIP" if department == "Data" else "FULL_TIME",
            "language": "en",
            "office_city": city,
            "office_country_code": "FR",
            "department_id": departments[department],
            "status": status,
        }
        if sites:
            body["cms_sites_references"] = sites
        response = api.post(JOBS, json=body)
        assert response.status_code == 201, response.text
        references[name] = response.json()["reference"]
    archived = api.put(
        f"{JOBS}/{references['Archived role']}/update_status", json={"status": "archived"}
    )
    assert archived.status_code == 200, archived.text
    return references


def _groups(page: Page, selector: str) -> list[tuple[str, list[str]]]:
    groups: list[list[Any]] = page.locator(selector).evaluate(READ_GROUPS)
    return [(heading, names) for heading, names in groups]


@dataclass
class Watched:
    """What a page did besides its DOM: dialogs opened, script errors, feed responses."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    feeds: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("dialog", self._dialog)
        page.on("pageerror", self._error)
        page.on("response", self._response)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _error(self, error: Error) -> None:
        self.errors.append(str(error))

    def _response(self, response: Response) -> None:
        if "/api/v1/embed" in response.url:
            self.feeds.append((response.status, response.all_headers()))


@contextmanager
def browser_page(profile: Path) -> Iterator[Page]:
    """A page of headless Chromium (Debian's) with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            timeout=TIMEOUT_MS,
            viewport={"width": 800, "height": 900},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def test_widget_on_another_origin_shows_published_jobs_grouped_and_names_as_text(
    tmp_path: Path,
) -> None:
    _chromium_or_skip()
    canopy = Canopy(tmp_path / "var")
    migrate.upgrade(canopy.settings())
    account = canopy.seed()
    _, token = canopy.issue_token(account.email)
    org = account.organization_reference
    # On a thread of its own, like the fixtures' in-process work: asyncio.run here would reset
    # this thread's event loop, which the async tests share.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _add_website(canopy, org)).result(timeout=60)

    with serve(canopy) as server:
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=10) as api:
            _seed_jobs(api, org)
        html = PAGE.format(org=org, canopy=server.url).encode()
        with static_site({"/": html}) as site, browser_page(tmp_path / "profile") as page:
            watched = Watched()
            watched.attach(page)
            page.goto(site + "/", timeout=TIMEOUT_MS)
            for container in ("#canopy-jobs", "[data-canopy-jobs]"):
                page.wait_for_selector(
                    f"{container}[data-state=ready]", state="attached", timeout=TIMEOUT_MS
                )
            # An injected <img src=x onerror=…> would have failed to load by now.
            page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
            screenshot = tmp_path / "widget.png"
            page.screenshot(path=str(screenshot), full_page=True)

            # The hostile name is text: no element was made of it, no script ran.
            assert page.locator("#canopy-jobs img, [data-canopy-jobs] img").count() == 0
            assert page.locator("img").count() == 0
            assert watched.dialogs == []
            assert watched.errors == []
            hostile = page.locator("#canopy-jobs .canopy-jobs__name", has_text="onerror")
            assert hostile.text_content() == HOSTILE
            # Read from another origin: the page is on the static site, the feed on Canopy.
            assert site != server.url
            assert watched.feeds, "the widget never fetched the feed"
            for status, headers in watched.feeds:
                assert status == 200
                assert headers.get("access-control-allow-origin") == "*"
            # Published jobs only, grouped as each list asks.
            assert _groups(page, "#canopy-jobs") == BY_DEPARTMENT_FR
            assert _groups(page, "[data-canopy-jobs]") == BY_OFFICE_EN
            text = page.locator("body").inner_text()
            assert "Secret draft" not in text
            assert "Archived role" not in text
            # Localised from the payload: French contract types in the French list.
            first = page.locator("#canopy-jobs .canopy-jobs__job").first
            assert "Stage" in first.inner_text()  # Data Analyst, an internship
            english = page.locator("[data-canopy-jobs] .canopy-jobs__meta").first
            assert "Full-Time" in english.inner_text()
            # Links: the job's first site, else the organisation's first website.
            backend = page.locator("#canopy-jobs a", has_text="Backend Engineer")
            assert backend.get_attribute("href") == (
                "https://www.welcometothejungle.com/companies/acme/jobs/backend-engineer_paris"
            )
            analyst = page.locator("#canopy-jobs a", has_text="Data Analyst")
            assert analyst.get_attribute("href") == CAREERS
            assert screenshot.stat().st_size > 0
