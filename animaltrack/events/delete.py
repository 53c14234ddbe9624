"""The SPEC §11 import path of `delete_event`; deleting is a command and lives beside the
services (`animaltrack.services.delete`)."""

from animaltrack.services.delete import delete_event, find_dependents

__all__ = ["delete_event", "find_dependents"]
