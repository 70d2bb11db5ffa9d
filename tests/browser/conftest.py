"""Browser tests: Playwright (sync API) driving Debian's headless Chromium against a live storepay.

Without Chromium (``apt-get install -y chromium``) or the playwright package (the dev extra),
these tests are skipped with the reason, so the test command passes anywhere; under CI they must
run, so there a missing browser fails the run instead. Playwright never downloads a browser here:
it drives the system's Chromium through ``executable_path``.

A failing test leaves a screenshot of its page in ``reports/browser/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .live import LiveServer, Marketplace, Store, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

# Flags for a headless Chromium on a machine without a display or outside network (and as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP = {"width": 1024, "height": 800}
_report_key = pytest.StashKey[dict[str, pytest.TestReport]]()


def _set(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() not in ("", "0", "false", "no")


def browser_required() -> bool:
    """Under CI (``CI=true``, or ``.ci/run``'s ``STOREPAY_REQUIRE_BROWSER=1``) the browser
    tests must run."""
    return _set("CI") or _set("STOREPAY_REQUIRE_BROWSER")


def chromium_executable() -> str:
    """Debian's Chromium; skips (or, under CI, fails) when it or playwright is missing."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    executable = shutil.which("chromium")
    if executable is None:
        missing.append("Chromium (as root: apt-get update && apt-get install -y chromium)")
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if browser_required():
            pytest.fail(f"under CI the browser tests must run, but {reason}", pytrace=False)
        pytest.skip(reason)
    assert executable is not None
    return executable


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return chromium_executable()


# Package-scoped, not session-scoped: Playwright's sync API keeps an event loop running in the
# test thread while it is started, which would break every later test that runs one of its own.
@pytest.fixture(scope="package")
def browser(chromium_path: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("browser") / "storepay.sqlite3") as server:
        yield server


@pytest.fixture
def market(live: LiveServer) -> Iterator[Marketplace]:
    marketplace = Marketplace(live)
    yield marketplace
    marketplace.close()


@pytest.fixture
def shop(market: Marketplace) -> Store:
    return market.ready_store()


def _screenshot_path(item: pytest.Item) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
    folder = item.config.rootpath / "reports" / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


def open_page(request: pytest.FixtureRequest, browser: Browser, **options: Any) -> Iterator[Page]:
    """A fresh context and page; JS errors and CSP refusals fail the test; a screenshot of the
    page is kept when the test fails."""
    context: BrowserContext = browser.new_context(**options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # A page answered with an error status (a 404 page) is expected; anything else is not.
        document = message.text.startswith("Failed to load resource") and (
            message.location.get("url") == page.url
        )
        if message.type == "error" and not document:
            problems.append(f"console: {message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    reports = request.node.stash.get(_report_key, {})
    if any(report.failed for report in reports.values()):
        try:
            page.screenshot(path=str(_screenshot_path(request.node)), full_page=True)
        except Exception as error:  # the page may be gone; the test's own failure matters more
            print(f"no screenshot: {error}")  # noqa: T201
    context.close()
    assert not problems, problems


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    yield from open_page(request, browser, viewport=DESKTOP)


@pytest.fixture
def phone(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    yield from open_page(
        request,
        browser,
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
