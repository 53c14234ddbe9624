"""Services: one method per command, each one `BEGIN IMMEDIATE` transaction (SPEC §11)."""
