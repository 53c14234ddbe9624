"""One log line per request — method, path, status, ms, user — as text or JSON (SPEC §15)."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading

import httpx
import pytest

from resolvers.app import create_app
from resolvers.middleware.logging import LOGGER_NAME, format_line


class _Lines(logging.Handler):
    """Collects request lines; `wait_for` blocks until one matches (the line is written after
    the response is sent, so the client can see the answer first)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self.changed:
            self.lines.append(record.getMessage())
            self.changed.notify_all()

    def wait_for(self, predicate) -> str:
        with self.changed:
            found = self.changed.wait_for(
                lambda: next((line for line in self.lines if predicate(line)), None), timeout=10
            )
        assert found, f"no matching request line in {self.lines}"
        return found


@pytest.fixture
def request_lines():
    logger = logging.getLogger(LOGGER_NAME)
    handler = _Lines()
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_text_format():
    assert format_line("text", "POST", "/graphql", 200, 3.14, "ines") == (
        "POST /graphql 200 3.1ms user=ines"
    )
    assert format_line("text", "GET", "/healthz", 200, 0.5, None) == "GET /healthz 200 0.5ms user=-"


def test_json_format():
    line = format_line("json", "POST", "/graphql", 401, 1.26, None)
    assert json.loads(line) == {
        "method": "POST",
        "path": "/graphql",
        "status": 401,
        "ms": 1.3,
        "user": None,
    }


def test_a_served_request_is_logged_with_its_user(live_server, request_lines):
    headers = live_server.bearer(live_server.token("ines"))
    httpx.post(live_server.graphql_url, json={"query": "{ __typename }"}, headers=headers)
    line = request_lines.wait_for(lambda line: line.startswith("POST /graphql 200 "))
    assert line.endswith(" user=ines")


def test_refusals_are_logged_too(live_server, request_lines):
    httpx.post(live_server.graphql_url, json={"query": "{ __typename }"})
    request_lines.wait_for(lambda line: line.startswith("POST /graphql 401 ") and "user=-" in line)


def test_json_log_format_server(http_settings, http_db_path, start_server, request_lines):
    settings = dataclasses.replace(http_settings, log_format="json")
    server = start_server(create_app(settings, dev=True), http_db_path)
    httpx.post(server.graphql_url, json={"query": "{ __typename }"})
    line = request_lines.wait_for(lambda line: line.startswith("{") and '"user":"dev"' in line)
    record = json.loads(line)
    assert (record["method"], record["path"], record["status"]) == ("POST", "/graphql", 200)
    assert isinstance(record["ms"], float)
