"""Migrating a stage from the predecessor's single legacy stack (``invoke migrate``).

``workflow`` runs the steps; ``state`` reads what is true now; ``plan`` says what will
happen; ``adoption`` moves the tables and secret into the shared stack; ``mappings``
moves the domain mappings to the new APIs; ``surgery`` edits templates; ``legacy`` and
``importing`` run the legacy-stack updates and the IMPORT change sets.
"""

from ppdeploy.workflows.migration.sequence import (
    STOP_AFTER_VARIABLE,
    MigrationStopped,
    Options,
    migrate,
)

__all__ = ["STOP_AFTER_VARIABLE", "MigrationStopped", "Options", "migrate"]
