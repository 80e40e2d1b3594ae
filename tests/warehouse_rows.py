"""Moved to ``support.warehouse_rows``; this name stays for the modules that still import it."""

from support.warehouse_rows import set_targets, submit

__all__ = ["set_targets", "submit"]
