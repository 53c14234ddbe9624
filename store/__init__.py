"""The SQLite layer: connecting, the one transaction helper, migrations, seeds, backup.

Everything above this package holds a `sqlite_utils.Database`; nothing above it sets pragmas or
issues BEGIN/COMMIT itself.
"""

from store.connection import connect
from store.transactions import transaction

__all__ = ["connect", "transaction"]
