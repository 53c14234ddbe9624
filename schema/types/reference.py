"""Reference data (SPEC §3): species, products, feed types, and the signed-in user."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.enums import ProductKind, ProductUnit, Role


@strawberry.type
class Species:
    code: str
    name: str
    active: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Species:
        return cls(code=row["code"], name=row["name"], active=bool(row["active"]))


@strawberry.type
class Product:
    code: str
    name: str
    unit: ProductUnit
    kind: ProductKind
    species_code: str | None
    collectable: bool
    sellable: bool
    active: bool

    @strawberry.field
    def species(self, info: strawberry.Info) -> Species | None:
        row = info.context.loaders.species.load(self.species_code)
        return Species.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Product:
        return cls(
            code=row["code"],
            name=row["name"],
            unit=ProductUnit(row["unit"]),
            kind=ProductKind(row["kind"]),
            species_code=row["species_code"],
            collectable=bool(row["collectable"]),
            sellable=bool(row["sellable"]),
            active=bool(row["active"]),
        )


@strawberry.type
class FeedType:
    code: str
    name: str
    default_bag_size_kg: int
    protein_pct: float | None
    active: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FeedType:
        return cls(
            code=row["code"],
            name=row["name"],
            default_bag_size_kg=row["default_bag_size_kg"],
            protein_pct=row["protein_pct"],
            active=bool(row["active"]),
        )


@strawberry.type(description="The user this request is authenticated as.")
class User:
    username: str
    role: Role

    @classmethod
    def from_user(cls, user) -> User:
        role = getattr(user.role, "value", user.role)
        return cls(username=user.username, role=Role(str(role).lower()))
