"""Alerts by email, each kind in its module, all through the alert log of ``sending``:

- ``progress``: the behind and lagging rows of a period's latest snapshot (``run``);
- ``reminders``: units that have not reported a month by its deadline (``remind_missing``);
- ``rejections``: rejected files' errors to their unit, one message per unit and run (``notify_rejections``,
  ``notify_rejection``, ``retry_rejections``).

A re-run, a retry or a new snapshot version that changes nothing for a recipient sends nothing; an
undelivered alert is never lost (``docs/decisions/0003-alerts-never-fail-a-load.md``).
"""

from scorecard.alerts.progress import NoSnapshotError, run
from scorecard.alerts.rejections import notify_rejection, notify_rejections, retry_rejections
from scorecard.alerts.reminders import remind_missing

__all__ = ["NoSnapshotError", "notify_rejection", "notify_rejections", "remind_missing", "retry_rejections",
           "run"]
