"""The app's public surface (SPEC §13): /healthz, the offline explorer page and its assets."""

from __future__ import annotations

import re

import httpx

from resolvers.app import create_app
from resolvers.explorer import STATIC_DIR
from resolvers.middleware.security_headers import SECURITY_HEADERS

ASSETS = (
    "explorer.js",
    "explorer.css",
    "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css",
    "graphiql/react.production.min.js",
    "graphiql/react-dom.production.min.js",
)


def test_healthz_answers_ok_when_the_database_is_reachable(live_server):
    response = httpx.get(f"{live_server.base_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(http_settings, start_server):
    app = create_app(http_settings)
    app.state.db.close()
    server = start_server(app, http_settings.db_path)
    response = httpx.get(f"{server.base_url}/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_get_graphql_serves_the_explorer_without_credentials(live_server):
    response = httpx.get(live_server.graphql_url, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "AnimalTrack GraphQL explorer" in response.text


def test_the_explorer_page_loads_only_local_assets(live_server):
    page = httpx.get(live_server.graphql_url, headers={"Accept": "text/html"}).text
    referenced = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sorted(referenced) == sorted(["data:,", *(f"static/{a}" for a in ASSETS)])
    assert "http://" not in page and "https://" not in page and "//unpkg" not in page


def test_explorer_assets_are_served_from_the_repository(live_server):
    for asset in ASSETS:
        response = httpx.get(f"{live_server.base_url}/static/{asset}")
        assert response.status_code == 200, asset
        assert response.content == (STATIC_DIR / asset).read_bytes()


def test_the_explorer_runs_no_inline_script(live_server):
    """Its policy allows scripts from this server only; the settings ride in a data block."""
    page = httpx.get(live_server.graphql_url, headers={"Accept": "text/html"}).text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    inline = [attrs for attrs, body in scripts if body.strip()]
    assert inline == [' type="application/json" id="explorer-config"']
    assert "<style" not in page and " style=" not in page


def test_every_answer_forbids_framing_and_foreign_scripts(live_server):
    """The explorer page, its assets, an operation, a 401 and /healthz all carry the headers."""
    headers = live_server.bearer(live_server.token("guest"))
    answers = [
        httpx.get(live_server.graphql_url, headers={"Accept": "text/html"}),
        httpx.get(f"{live_server.base_url}/static/explorer.js"),
        httpx.post(live_server.graphql_url, json={"query": "{ __typename }"}, headers=headers),
        httpx.post(live_server.graphql_url, json={"query": "{ __typename }"}),
        httpx.get(f"{live_server.base_url}/healthz"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 401, 200]
    for answer in answers:
        assert {k: answer.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS
    policy = answers[0].headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert answers[0].headers["X-Frame-Options"] == "DENY"


def test_get_with_a_query_string_does_not_run_an_operation_without_credentials(live_server):
    response = httpx.get(live_server.graphql_url, params={"query": "{ __typename }"})
    assert response.status_code == 401


def test_queries_by_get_are_refused_even_with_a_token(live_server):
    """Operations go by POST; GET only shows the explorer (no reads through plain links)."""
    headers = live_server.bearer(live_server.token("guest"))
    response = httpx.get(
        live_server.graphql_url, params={"query": "{ __typename }"}, headers=headers
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


def test_a_subscription_sent_by_post_is_a_bad_request_in_words(live_server):
    """Strawberry's own refusals are `errors` entries with a code, like every other answer."""
    headers = live_server.bearer(live_server.token("guest"))
    query = "subscription { eventAppended { id } }"
    response = httpx.post(live_server.graphql_url, json={"query": query}, headers=headers)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert "subscriptions" in error["message"].lower()


def test_unknown_paths_need_credentials_too(live_server):
    """Deny by default: only the explorer, its assets and /healthz are public."""
    assert httpx.get(f"{live_server.base_url}/admin").status_code == 401
