"""GraphQL resolvers, per-request context and the Starlette application (SPEC §13)."""
