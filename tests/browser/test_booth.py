"""The booth module in a real headless Chromium: a ballot encrypted in the page passes the Python verifier.

The page (tests/browser/booth_page/) loads build/booth/booth.js with subresource integrity under a strict
Content-Security-Policy (no inline script, no eval), fetches a test case, calls the booth module and writes
the JSON result into the page, where the test reads it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "booth"
PAGE = Path(__file__).resolve().parent / "booth_page"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'; require-trusted-types-for 'script'")

if not CHROMIUM.exists():
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
if not (ROOT / "node_modules").is_dir():
    pytest.skip("node_modules is missing: run `npm ci && npm run build` (python3 dev.py install does it)",
                allow_module_level=True)
if not (BUILD / "booth.js").exists() or not (BUILD / "booth.js.sri").exists():
    pytest.fail("build/booth/booth.js is missing although node_modules exists: run `npm run build`")

from playwright.sync_api import Browser, sync_playwright  # noqa: E402


class BoothServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), BoothHandler)
        self.cases: dict[str, bytes] = {}
        self.sri = (BUILD / "booth.js.sri").read_text().strip()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class BoothHandler(BaseHTTPRequestHandler):
    server: BoothServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html", "/bad-integrity.html"):
            sri = self.server.sri if path != "/bad-integrity.html" else "sha384-" + "A" * 64
            html = (PAGE / "index.html").read_text().replace("{{BOOTH_SRI}}", sri)
            return self.send(html.encode(), "text/html; charset=utf-8")
        if path.startswith("/case/") and path.endswith(".json"):
            body = self.server.cases.get(path[len("/case/"):-len(".json")])
            if body is not None:
                return self.send(body, "application/json")
        for prefix, folder in (("/booth/", BUILD), ("/page/", PAGE)):
            if path.startswith(prefix) and path.endswith(".js"):
                file = folder / path[len(prefix):]
                if file.parent == folder and file.is_file():
                    return self.send(file.read_bytes(), "text/javascript; charset=utf-8")
        self.send_error(404)

    def send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[BoothServer]:
    httpd = BoothServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageRun:
    def __init__(self, state: str, text: str, console: list[str]) -> None:
        self.state, self.text, self.console = state, text, console

    def json(self) -> Any:
        assert self.state == "done", f"the page reported {self.state}: {self.text}; console: {self.console}"
        return json.loads(self.text)


def run_in_page(browser: Browser, server: BoothServer, call: str, data: Any,
                page_path: str = "/index.html") -> PageRun:
    """Serve one case, open the page on it and return what the page wrote into <output id=result>."""
    name = f"case{len(server.cases)}"
    server.cases[name] = json.dumps({"call": call, "input": data}).encode()
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    try:
        page.goto(f"{server.url}{page_path}?case={name}")
        try:
            page.wait_for_selector("#result:not([data-state=waiting])", state="attached", timeout=30_000)
        except Exception:  # noqa: BLE001 - the page never finished: report what it said
            return PageRun("waiting", "", console)
        result = page.locator("#result")
        return PageRun(result.get_attribute("data-state") or "", result.text_content() or "", console)
    finally:
        context.close()


def test_page_runs_the_booth_module_under_strict_csp(browser: Browser, server: BoothServer) -> None:
    run = run_in_page(browser, server, "selfTest", {})
    assert run.json()["base"] == "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"
    assert not [line for line in run.console if "Content Security Policy" in line], run.console


def test_a_booth_build_with_the_wrong_integrity_hash_is_refused(browser: Browser, server: BoothServer) -> None:
    run = run_in_page(browser, server, "selfTest", {}, page_path="/bad-integrity.html")
    assert (run.state, run.text) == ("error", "the booth module was not loaded")
    assert any("integrity" in line for line in run.console), run.console
