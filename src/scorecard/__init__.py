"""sti-scorecard: the S&T bureau's indicator pipeline (submissions → warehouse → snapshots → alerts)."""

__version__ = "0.1.0"
