"""The indicator and unit catalogs (contract §1): loaded from CSV files or from the warehouse."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from scorecard import config
from scorecard.vocabulary import AppliesTo, Kind, UnitType


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    measure_unit: str
    kind: Kind
    applies_to: AppliesTo
    required: bool
    min_value: float | None
    max_value: float | None
    profile: tuple[float, ...] | None

    def applies(self, unit_type: UnitType | str) -> bool:
        return self.applies_to == AppliesTo.ALL or self.applies_to == unit_type

    def share(self, month: int) -> float:
        """Cumulative share of the annual flow expected by the end of ``month`` (序时进度)."""
        return self.profile[month - 1] if self.profile else month / 12

    def as_row(self) -> dict[str, object]:
        return {
            "indicator_code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "measure_unit": self.measure_unit,
            "kind": str(self.kind),
            "applies_to": str(self.applies_to),
            "required": self.required,
            "min_value": self.min_value,
            "max_value": self.max_value,
            "profile": ";".join(f"{s:g}" for s in self.profile) if self.profile else None,
        }


@dataclass(frozen=True)
class Unit:
    code: str
    name_zh: str
    name_en: str
    unit_type: UnitType
    contact_email: str | None

    def as_row(self) -> dict[str, object]:
        return {
            "unit_code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "unit_type": str(self.unit_type),
            "contact_email": self.contact_email,
        }


class CatalogError(ValueError):
    """A catalog file that does not follow contract §1."""


@dataclass(frozen=True)
class Catalog:
    indicators: Mapping[str, Indicator]
    units: Mapping[str, Unit]

    def applicable(self, unit: Unit) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.applies(unit.unit_type)]

    @cached_property
    def unit_spellings(self) -> dict[str, str]:
        """Unit codes by their upper-case spelling, so that ``c03`` is read as ``C03``."""
        return {code.upper(): code for code in self.units}

    @cached_property
    def indicator_spellings(self) -> dict[str, str]:
        """Indicator codes by their upper-case spelling."""
        return {code.upper(): code for code in self.indicators}


def _number(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def _profile(text: str | None, where: str) -> tuple[float, ...] | None:
    text = (text or "").strip()
    if not text:
        return None
    shares = tuple(float(s) for s in text.split(";"))
    if len(shares) != 12 or abs(shares[-1] - 1) > 1e-9 or list(shares) != sorted(shares):
        raise CatalogError(f"{where}: profile must be 12 non-decreasing cumulative shares ending in 1")
    return shares


def _flag(value: object) -> bool:
    """``yes`` in a catalog file; a boolean (PostgreSQL) or 0/1 (SQLite) from the warehouse."""
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "1")
    return bool(value)


def indicator_from_row(row: Mapping[str, object], where: str = "indicators") -> Indicator:
    try:
        return Indicator(
            code=str(row["indicator_code"]).strip(),
            name_zh=str(row["name_zh"]),
            name_en=str(row["name_en"]),
            measure_unit=str(row["measure_unit"]).strip(),
            kind=Kind(str(row["kind"]).strip()),
            applies_to=AppliesTo(str(row["applies_to"]).strip()),
            required=_flag(row["required"]),
            min_value=_number(None if row["min_value"] is None else str(row["min_value"])),
            max_value=_number(None if row["max_value"] is None else str(row["max_value"])),
            profile=_profile(None if row["profile"] is None else str(row["profile"]), where),
        )
    except (KeyError, ValueError) as exc:
        raise CatalogError(f"{where}: {exc}") from exc


def unit_from_row(row: Mapping[str, object], where: str = "units") -> Unit:
    try:
        return Unit(
            code=str(row["unit_code"]).strip(),
            name_zh=str(row["name_zh"]),
            name_en=str(row["name_en"]),
            unit_type=UnitType(str(row["unit_type"]).strip()),
            contact_email=(str(row.get("contact_email") or "").strip() or None),
        )
    except (KeyError, ValueError) as exc:
        raise CatalogError(f"{where}: {exc}") from exc


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def build(indicators: Iterable[Indicator], units: Iterable[Unit]) -> Catalog:
    return Catalog({i.code: i for i in indicators}, {u.code: u for u in units})


def load_files(folder: Path | None = None) -> Catalog:
    """Read ``indicators.csv`` and ``units.csv`` from ``folder`` (the configured catalog folder)."""
    folder = folder or config.catalog_dir()
    indicators = [
        indicator_from_row(row, f"{folder / 'indicators.csv'} line {n}")
        for n, row in enumerate(_read_csv(folder / "indicators.csv"), start=2)
    ]
    units = [
        unit_from_row(row, f"{folder / 'units.csv'} line {n}")
        for n, row in enumerate(_read_csv(folder / "units.csv"), start=2)
    ]
    return build(indicators, units)
