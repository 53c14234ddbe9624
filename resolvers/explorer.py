"""The offline GraphiQL page served at `GET /graphql` (SPEC §13).

Strawberry's stock page loads React and GraphiQL from a CDN; ours loads the pinned copies in
`resolvers/static/graphiql/` (see the README there) through relative URLs, so it also works
behind a reverse proxy that mounts the app under a prefix. The only thing that differs between
`--dev` and a normal server is the hint in the first query and whether the Headers tab opens.
"""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE = Path(__file__).with_name("explorer.html")
STATIC_DIR = Path(__file__).with_name("static")

_INTRO = """\
# AnimalTrack GraphQL explorer.
# Ctrl-Enter runs the operation, Ctrl-Space completes;
# the Docs button (top left) shows the schema.
"""
_DEV_HINT = """\
# Development server: requests from this machine
# act as the admin user `dev`.
"""
_TOKEN_HINT = """\
# Every operation needs an API token. Create one with
#   animaltrack token create --user NAME
# and put it in the Headers tab below:
#   {"Authorization": "Bearer <token>"}
"""
_QUERY = """\
{
  me {
    username
    role
  }
  locations {
    name
  }
}
"""


def explorer_html(dev: bool) -> str:
    """The page, with the first query's hint chosen for `dev` or token use."""
    config = {"dev": dev, "defaultQuery": _INTRO + (_DEV_HINT if dev else _TOKEN_HINT) + _QUERY}
    # `</` must not appear inside an inline script, or it could end the script element.
    encoded = json.dumps(config).replace("</", "<\\/")
    return TEMPLATE.read_text(encoding="utf-8").replace("__EXPLORER_CONFIG__", encoded)
