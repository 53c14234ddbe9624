"""Strawberry object types, one module per family, each built from domain rows (`from_*`)."""
