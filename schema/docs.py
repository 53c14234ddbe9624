"""Descriptions shared by many fields and arguments of the schema, written for the API's user.

Each text is defined once and given to every field, argument or input field it describes, so
the explorer says the same thing everywhere. A description never points at documents the API's
user does not have.
"""

from __future__ import annotations

from animaltrack.events.payloads import MAX_TEXT
from schema.arguments import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from schema.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

_MAX_TEXT = f"{MAX_TEXT:,}".replace(",", " ")

FILTER = f"""A selection filter: which animals, in one line of text.

Terms are separated by spaces and must all hold (AND). A term is `field:value`; `field:a|b` \
matches any of the values (OR); quote a value that holds spaces or `|`, as in \
`location:"Strip 1"` (there are no escapes, so a value cannot hold `"`). A leading `-` excludes \
what the term matches: `-tag:sick`. Field names and values ignore case.

Fields: `species` (a species code, e.g. duck), `sex` (female, male, unknown), `life_stage` \
(hatchling, juvenile, subadult, adult), `repro_status` (intact, castrated, unknown), `status` \
(alive, dead, harvested, sold, merged_into), `identified` (true, false), `tag` (a tag active \
then, normalised like any tag), `nickname`, `location` (its name then or now, or its id), `id` \
(an animal id).

The filter is resolved against the farm as it stood at the given time (`at`, or the \
mutation's `tsUtc`; default: now): each animal's sex, stage, tags and location at that \
instant. An animal no longer alive is "at" the location where it last was. Without a `status` \
term only live animals match, so an empty filter selects every live animal (`-status:dead` \
alone keeps every other status); a merged animal's id matches nothing. An unknown location or \
species is refused. At most {_MAX_TEXT} characters.

Examples:
- `species:duck sex:female location:"Strip 1"` — the female ducks in Strip 1
- `species:duck|goose -tag:broody life_stage:adult` — adult ducks and geese not tagged broody
- `status:dead location:"Strip 1"` — the animals that died in Strip 1
- `id:01HV8Z3K5Q2W9X7Y6T4R3P2N1M|01HV8Z3K5Q2W9X7Y6T4R3P2N1N` — a hand-picked set"""

AT = (
    "The instant to look at (default: now). Past instants show the farm as history now tells"
    " it, backdated entries and edits included."
)
FIRST = (
    f"How many items to return, from 0 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}); more"
    " than that is refused: follow `pageInfo.endCursor` instead."
)
AFTER = (
    "Continue after this cursor: the `pageInfo.endCursor` (or an edge's `cursor`) of the"
    " previous page of the same list. Omit for the first page."
)
WINDOW_END = "The window's end, not included (default: now)."
WINDOW_DAYS = (
    f"Length of the window in days of 24 hours, ending at `at` (default {DEFAULT_WINDOW_DAYS},"
    f" from 1 to {MAX_WINDOW_DAYS})."
)

# -- mutation inputs -----------------------------------------------------------------------------

TS_UTC = (
    "When it happened (default: when the server receives the request). May lie in the past"
    " (a backdated entry takes its place in history) but not more than 5 minutes ahead of the"
    " server's clock, nor before 1970."
)
NOTES = f"Free text kept with the event, at most {_MAX_TEXT} characters."
NONCE = (
    "An optional key, at most 64 characters, that makes a retry safe: the same request sent"
    " again by the same user with the same nonce returns the first success and records"
    " nothing; the same nonce with a different request is refused."
)
RESOLVED_IDS = (
    "The animal ids the `selection` query returned for `filter` (its `animalIds`); the server"
    " acts on these ids when they still match."
)
ROSTER_HASH = (
    "The `rosterHash` the `selection` query returned with those ids. When the filter now selects"
    " other animals the answer is a `SelectionMismatch` and nothing is recorded."
)
CONFIRMED = (
    "`true` to act on whatever the filter selects now, even when it differs from `resolvedIds`"
    " (after a `SelectionMismatch`); default `false`."
)
SPECIES_CODE = "A species code, such as duck or goose (see the `species` query)."
PRODUCT_CODE = "A product code, such as egg.duck or meat (see the `products` query)."
FEED_TYPE_CODE = "A feed type code, such as layer (see the `feedTypes` query)."
EVENT = "The event this mutation recorded (for editEvent and deleteEvent: the event concerned)."
WARNINGS = "Things worth a look although the command succeeded; usually empty."
ANIMAL_IDS = "The animals the event acted on, by id."
