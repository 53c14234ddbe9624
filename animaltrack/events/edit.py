"""The SPEC §11 import path of `edit_event`; editing is a command and lives beside the services
(`animaltrack.services.edit`)."""

from animaltrack.services.edit import edit_event

__all__ = ["edit_event"]
