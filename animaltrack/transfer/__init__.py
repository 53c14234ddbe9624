"""A farm's whole history as a file: `export` writes it, `import` loads it into a new database.

The format (SPEC §14) is NDJSON, one object per line, told apart by `kind`: first the
`header` (the format's version and each event type's payload version), then the `reference`
rows, then every event in `(ts_utc, id)` order, each followed by its `revision`s (oldest
first) and its `tombstone`. Tokens and nonces are not history and stay behind. `lines.py` is
the format, `export.py` writes it, `importer.py` reads it back.
"""
