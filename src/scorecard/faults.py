"""Faults of the environment, told apart from faults of a file.

A problem with one file gives that file a verdict and never stops the others. A fault of the
environment (the warehouse unreachable, the quarantine not writable or full, the mail server refusing
every message) fails the run with one line a person can act on: nothing half-done is committed, the
inbox is untouched, and the next run after the fault is fixed ends as an uninterrupted run would.
"""

from __future__ import annotations

import sys


class EnvironmentFault(RuntimeError):
    """The run cannot go on because something outside the files is wrong."""


class StorageUnavailable(EnvironmentFault):
    """A folder or bucket the pipeline writes to (quarantine, bulletins) refuses the write."""


class ValidatorUnavailable(EnvironmentFault):
    """The warm validator named by ``SCORECARD_VALIDATOR_URL`` cannot be reached, or refused the request."""


def describe(exc: BaseException) -> str | None:
    """The one line for a fault of the environment; None for anything else, which keeps its traceback."""
    if isinstance(exc, EnvironmentFault):
        return str(exc)
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import InterfaceError, OperationalError

        if isinstance(exc, OperationalError | InterfaceError):
            reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
            return f"the warehouse cannot be used: {reason[0] if reason else exc.__class__.__name__}"
    return None
