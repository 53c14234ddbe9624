"""The explorer works offline (SPEC §13): Debian's headless Chromium loads it, runs a query, and
never reaches for anything but the server it came from.

Every request for another host is aborted *and recorded*, so the test fails on the attempt
itself, not only when a missing asset happens to break the page. So is every breach of the
page's Content-Security-Policy (`resolvers/middleware/security_headers.py`): the browser
reports each one as a `securitypolicyviolation` event and a console message, and the explorer
must work without any. Needs `/usr/bin/chromium`
(Debian's package); Playwright only drives it (`playwright install` is never used).
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
CSP_RECORDER = """
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing: install Debian's chromium package to run this test")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page whose traffic may only go to 127.0.0.1; `page.problems` lists the rest."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            problems.append(f"request to {route.request.url}")
            route.abort()

    def only_local_websockets(websocket):
        if urlsplit(websocket.url).hostname != "127.0.0.1":
            problems.append(f"websocket to {websocket.url}")

    def no_policy_violation(message):
        if "Content Security Policy" in message.text:
            problems.append(f"console: {message.text}")

    context.route("**/*", only_local)
    page.on("websocket", only_local_websockets)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", no_policy_violation)
    # Also caught inside the page, in case a violation is reported without a console line.
    page.add_init_script(CSP_RECORDER)
    page.problems = problems
    yield page
    context.close()


def problems_of(page) -> list[str]:
    """What went wrong on the page: foreign requests, errors and policy violations."""
    violations = page.evaluate("window.__cspViolations")
    return page.problems + [f"policy violation: {v}" for v in violations]


def replace_text(page, selector: str, text: str) -> None:
    """Type into a CodeMirror editor (inserted as typed text, without bracket auto-closing)."""
    page.click(selector)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def run_and_read_result(page) -> dict:
    page.click(".graphiql-execute-button")
    # A selector, not `wait_for_function`: Playwright runs the latter's string through `eval`,
    # which the page's policy rightly refuses.
    page.wait_for_selector(".graphiql-response:has-text('\"data\"')", timeout=TIMEOUT_MS)
    text = page.inner_text(".graphiql-response .CodeMirror-code")
    return json.loads(text.replace("\xa0", " "))  # CodeMirror renders indents as NBSP


def test_the_dev_explorer_runs_a_query_using_only_local_assets(page, dev_server):
    page.goto(dev_server.graphql_url)
    page.wait_for_selector(QUERY_EDITOR, timeout=TIMEOUT_MS)
    replace_text(page, QUERY_EDITOR, "{ me { username } locations { name } }")
    data = run_and_read_result(page)["data"]
    assert data["me"] == {"username": "dev"}
    assert {"name": "Strip 1"} in data["locations"]
    # A dialog locks the page's scrolling with a <style> element it adds (Radix UI), the one
    # thing that needs `style-src 'unsafe-inline'`; the docs pane renders the schema.
    page.click('[aria-label="Open settings dialog"]')
    page.wait_for_selector(".graphiql-dialog", timeout=TIMEOUT_MS)
    page.keyboard.press("Escape")
    page.click('[aria-label="Show Documentation Explorer"]')
    page.wait_for_selector(".graphiql-doc-explorer", timeout=TIMEOUT_MS)
    assert problems_of(page) == []


def test_with_a_token_pasted_in_the_headers_tab_the_explorer_runs_a_query(page, live_server):
    token = live_server.token("guest")
    page.goto(live_server.graphql_url)
    page.wait_for_selector(HEADERS_EDITOR, timeout=TIMEOUT_MS)  # opened for non-dev servers
    replace_text(page, HEADERS_EDITOR, json.dumps({"Authorization": f"Bearer {token}"}))
    replace_text(page, QUERY_EDITOR, "{ me { username role } }")
    assert run_and_read_result(page) == {"data": {"me": {"username": "guest", "role": "VIEWER"}}}
    assert problems_of(page) == []
