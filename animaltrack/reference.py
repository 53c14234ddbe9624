"""Readers of the reference tables (species, products, feed types, users), with clear refusals."""

from __future__ import annotations

from animaltrack.errors import NotFoundError, ValidationError


def _row(db, sql: str, params: tuple) -> dict | None:
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def require_species(db, code: str) -> dict:
    row = _row(db, "SELECT * FROM species WHERE code = ?", (code,))
    if row is None:
        raise ValidationError(f"There is no species '{code}'.", field="species")
    if not row["active"]:
        raise ValidationError(f"The species '{row['name']}' is not in use.", field="species")
    return row


def require_product(db, code: str) -> dict:
    row = _row(db, "SELECT * FROM products WHERE code = ?", (code,))
    if row is None:
        raise ValidationError(f"There is no product '{code}'.", field="product_code")
    if not row["active"]:
        raise ValidationError(f"The product '{row['name']}' is not in use.", field="product_code")
    return row


def require_feed_type(db, code: str) -> dict:
    row = _row(db, "SELECT * FROM feed_types WHERE code = ?", (code,))
    if row is None:
        raise ValidationError(f"There is no feed type '{code}'.", field="feed_type_code")
    return row


def list_rows(db, table: str, order_by: str = "code") -> list[dict]:
    if table not in ("species", "products", "feed_types", "users"):
        raise NotFoundError(f"There is no reference table {table}.")
    cursor = db.execute(f"SELECT * FROM {table} ORDER BY {order_by}")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
