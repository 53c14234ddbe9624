"""The offline GraphiQL page served at `GET /graphql` (SPEC §13).

Strawberry's stock page loads React and GraphiQL from a CDN; ours loads the pinned copies in
`resolvers/static/graphiql/` (see the README there) through relative URLs, so it also works
behind a reverse proxy that mounts the app under a prefix. The only thing that differs between
`--dev` and a normal server is the hint in the first query and whether the Headers tab opens.

The page runs no inline script, so its Content-Security-Policy (`resolvers/middleware/
security_headers.py`) can allow scripts from this server only: `static/explorer.js` mounts
GraphiQL and reads its settings from a JSON data block, which a browser never executes.
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


def explorer_config(dev: bool) -> dict:
    """What `explorer.js` needs: the first query, its hint chosen for `dev` or token use."""
    return {"dev": dev, "defaultQuery": _INTRO + (_DEV_HINT if dev else _TOKEN_HINT) + _QUERY}


def explorer_html(dev: bool) -> str:
    """The page, with `explorer_config(dev)` in its data block."""
    # No `<` inside the data block at all: `</script` would end it and `<!--` would confuse
    # the parser; JSON reads `\u003c` back as `<`.
    encoded = json.dumps(explorer_config(dev)).replace("<", "\\u003c")
    return TEMPLATE.read_text(encoding="utf-8").replace("__EXPLORER_CONFIG__", encoded)
