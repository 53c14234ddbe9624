"""The event log: event types, enums, payloads, ids, tags and the `EventStore`."""
