"""Reference data (SPEC §3): species, products, feed types, and the signed-in user."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.enums import ProductKind, ProductUnit, Role


@strawberry.type(description="A species the farm can record, such as duck or goose.")
class Species:
    code: str = strawberry.field(description="Its code, used in inputs and filters: duck.")
    name: str = strawberry.field(description="Its display name.")
    active: bool = strawberry.field(
        description="Whether new animals of this species can be recorded."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Species:
        return cls(code=row["code"], name=row["name"], active=bool(row["active"]))


@strawberry.type(description="Something the farm collects or sells: eggs, or a harvest yield.")
class Product:
    code: str = strawberry.field(description="Its code, used in inputs: egg.duck, meat.")
    name: str = strawberry.field(description="Its display name.")
    unit: ProductUnit = strawberry.field(description="How it is counted: pieces or kilograms.")
    kind: ProductKind = strawberry.field(description="Egg, harvest yield or other.")
    species_code: str | None = strawberry.field(
        description="The species that produces it (duck for egg.duck); null for a product of"
        " no particular species."
    )
    collectable: bool = strawberry.field(description="Whether collectProduct accepts it.")
    sellable: bool = strawberry.field(description="Whether sellProduct accepts it.")
    active: bool = strawberry.field(description="Whether it is in use.")

    @strawberry.field(description="The species of `speciesCode`; null when none.")
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


@strawberry.type(description="A kind of feed the farm buys and gives: starter, grower, layer.")
class FeedType:
    code: str = strawberry.field(description="Its code, used in inputs: layer.")
    name: str = strawberry.field(description="Its display name.")
    default_bag_size_kg: int = strawberry.field(
        description="The bag size, in kg, a purchase assumes when it gives none."
    )
    protein_pct: float | None = strawberry.field(
        description="Protein content in percent; null when not known."
    )
    active: bool = strawberry.field(description="Whether it is in use.")

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
    username: str = strawberry.field(
        description="The name recorded as `actor` on the events this user records."
    )
    role: Role = strawberry.field(description="What this user may do.")

    @classmethod
    def from_user(cls, user) -> User:
        role = getattr(user.role, "value", user.role)
        return cls(username=user.username, role=Role(str(role).lower()))
