"""Moved to ``support.hostile_inbox``; this name stays for ``bench/hostile.py``, which imports it."""

from support.hostile_inbox import write_hostile_inbox

__all__ = ["write_hostile_inbox"]
