"""Browser tests: the real app (`reflex run --env prod --single-port`) on a test database,
driven by Debian's chromium through Playwright."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from wayvo_app.demo import load_demo
from wayvo_app.plugins.client_plugins import EXAMPLE_CLIENT_PLUGIN, EXAMPLE_SERVER_PLUGIN
from wayvo_app.store import db
from wayvo_app.store.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = int(os.environ.get("WAYVO_E2E_PORT") or 0) or _free_port()  # several checkouts may test at once
CHROMIUM = os.environ.get("WAYVO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts"


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, deadline_s: float = 240) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url + "/login", timeout=2, follow_redirects=True).status_code == 200 and \
                    httpx.get(url + "/ping", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"app did not start in {deadline_s}s:\n{log.read_text()[-4000:]}")


def _start_app(env: dict, log: Path, base: str) -> subprocess.Popen:
    """`reflex run --env prod`, once more if its build's prerender step timed out: the prerender
    allows each page 10 s, which a machine busy with other builds can exceed."""
    for attempt in (1, 2):
        with open(log, "w") as out:
            proc = subprocess.Popen(
                ["reflex", "run", "--env", "prod", "--single-port", "--frontend-port", str(PORT),
                 "--backend-port", str(PORT)],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_until_up(base, proc, log)
            return proc
        except RuntimeError:
            if attempt == 2 or proc.poll() is None or "Prerender: Request failed" not in log.read_text():
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                raise
    raise AssertionError("unreachable")


def first_run_setup(browser, base: str) -> None:
    """On an empty database every page leads to /setup; creating the owner there signs them in,
    and /setup is closed afterwards. Runs once per session, before the demo data is loaded."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        page.goto(f"{base}/workflows")
        page.wait_for_url(re.compile(r".*/setup/?$"))
        for field, value in [("#user_name", "founder"), ("#display_name", "Fay Founder"),
                             ("#password", "a-long-password"), ("#confirm", "another-password")]:
            page.fill(field, value)
        page.click("#create-owner")
        assert "differ" in page.get_by_role("alert").inner_text()
        page.fill("#confirm", "a-long-password")
        assert page.locator("#load-samples").get_attribute("data-state") == "checked"  # samples by default
        page.click("#create-owner")
        # The samples loaded: the inbox welcomes the newcomer, with the sample's approval already waiting.
        page.wait_for_url(re.compile(r".*/workflows/approvals\?welcome=.+$"))
        page.locator("#welcome").wait_for()
        page.locator(".inbox-row", has_text="Approve order A-1001").wait_for(timeout=60000)
        page.get_by_role("button", name="Fay Founder").wait_for()
        page.click("#welcome-execution")  # the payment sample, paused on its event, with the curl that resumes it
        page.wait_for_url(re.compile(r".*/workflows/executions/[0-9a-f-]{36}$"))
        page.get_by_text("order-A-1002").first.wait_for(timeout=60000)
        page.get_by_text("curl", exact=False).first.wait_for()
        page.click("#user-menu")
        page.click("#sign-out")
        page.wait_for_url(re.compile(r".*/login/?(\?.*)?$"))  # from a page, sign-in returns to it (?next=)
        page.goto(f"{base}/setup")
        page.wait_for_url(re.compile(r".*/login/?$"))
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "first-run-setup.png"))
        context.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, browser):
    """The app on a fresh SQLite database: first-run setup through the browser, then the demo
    users and workflows; yields its base URL."""
    workdir = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{workdir / 'e2e.db'}"
    upgrade(url)
    db.dispose_engines()
    env = {**os.environ, "DATABASE_URL": url, "WAYVO_PORT": str(PORT), "APP_URL": f"http://localhost:{PORT}",
           "WAYVO_SECRET_KEY": "e2e-secret-key", "REFLEX_USE_SYSTEM_BUN": "1",
           "REFLEX_CHECK_LATEST_VERSION": "0", "PYTHONUNBUFFERED": "1",
           # The SMS example is opt-in; the builder tests use it as the plugin node.
           "WAYVO_WORKFLOW_PLUGINS": EXAMPLE_SERVER_PLUGIN, "WAYVO_CLIENT_PLUGINS": EXAMPLE_CLIENT_PLUGIN}
    env["PATH"] = f"{ROOT / '.tools/node_modules/.bin'}:{ROOT / '.venv/bin'}:{env['PATH']}"
    log = workdir / "app.log"
    base = f"http://localhost:{PORT}"
    proc = _start_app(env, log, base)
    try:
        first_run_setup(browser, base)
        load_demo(url)
        db.dispose_engines()
        yield {"url": base, "db_url": url, "log": log}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page, base_url: str, user: str = "owner", password: str = "wayvo-demo") -> None:
    page.goto(f"{base_url}/login")
    page.fill("#user_name", user)
    page.fill("#password", password)
    page.click("#sign-in")
    page.wait_for_url(re.compile(r".*/workflows/?$"))


@pytest.fixture
def new_page(browser, request):
    """A factory of pages, each in its own browser context (its own signed-in user), at any size.
    Every page is screenshotted into test-artifacts at teardown."""
    contexts = []

    def make(width: int = 1280, height: int = 800, **context_options):
        context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
        pg = context.new_page()
        pg.set_default_timeout(15000)
        contexts.append((context, pg))
        return pg

    yield make
    ARTIFACTS.mkdir(exist_ok=True)
    for index, (context, pg) in enumerate(contexts):
        try:
            pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}.png"), full_page=True)
        finally:
            context.close()


def api_login(base_url: str, user: str, password: str = "wayvo-demo") -> dict:
    """Bearer headers of a session token for `user`, from the running app's login API."""
    r = httpx.post(f"{base_url}/api/auth/login", json={"userName": user, "password": password}, timeout=10)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def wait_for(check, what: str, timeout_s: float = 20.0, interval_s: float = 0.2):
    """Poll `check()` until it returns something truthy; fail naming `what` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
