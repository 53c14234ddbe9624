"""Tag normalisation, shared by payloads, filters and projections (SPEC §5)."""

from __future__ import annotations

from animaltrack.errors import ValidationError

TAG_MAX_LENGTH = 32
_TAG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789:_-")


def normalize_tag(raw: str) -> str:
    """Normalise a tag the way tags are normalised everywhere, so `Sick ` and `sick` are one tag.

    Lower-case, trim, turn each inner whitespace character into "-", then drop every character
    other than a-z, 0-9, ":", "_" and "-". Raises `ValidationError(field="tag")` when nothing is
    left or the result is longer than 32 characters.
    """
    text = raw.lower().strip()
    text = "".join("-" if c.isspace() else c for c in text)
    tag = "".join(c for c in text if c in _TAG_CHARS)
    if not tag:
        raise ValidationError(
            f"'{raw}' does not make a tag; a tag needs at least one letter, digit, ':', '_' or '-'",
            field="tag",
        )
    if len(tag) > TAG_MAX_LENGTH:
        raise ValidationError(
            f"tag '{tag}' is {len(tag)} characters long; tags are at most {TAG_MAX_LENGTH}",
            field="tag",
        )
    return tag
