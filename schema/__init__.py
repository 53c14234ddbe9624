"""The GraphQL schema: types, inputs, enums, unions and the one error mapping (SPEC §13)."""
