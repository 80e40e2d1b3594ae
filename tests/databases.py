"""Moved to ``support.databases``; this name stays for the modules that still import it."""

from support.databases import PG_ADMIN_URL, scratch_postgres

__all__ = ["PG_ADMIN_URL", "scratch_postgres"]
