"""Periods: one way to read, check and step a report month."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scorecard.dag_conventions import offered_periods
from scorecard.periods import Period, PeriodError


@pytest.mark.parametrize(("written", "period"), [
    ("2026-09", Period(2026, 9)), ("2026/9", Period(2026, 9)), ("2026年9月", Period(2026, 9)),
    ("2026年09月份", Period(2026, 9)), ("202609", Period(2026, 9)), ("20260930", Period(2026, 9)),
    ("2026.9", Period(2026, 9)), ("２０２６－０９", Period(2026, 9)), (date(2026, 9, 3), Period(2026, 9)),
    (202609.0, Period(2026, 9)), ("2026-09-31", None), ("1999-12", None), ("2026-13", None),
    ("September", None), (None, None), ("", None),
])
def test_a_unit_may_write_a_period_in_any_spelling_of_the_contract(written: object,
                                                                   period: Period | None) -> None:
    assert Period.read(written) == period


@pytest.mark.parametrize("written", ["2026-9", "2026/09", "2026-13", "2026-00", "1999-12", "Oct 2026", ""])
def test_the_command_line_and_the_api_take_yyyy_mm_only(written: str) -> None:
    with pytest.raises(PeriodError, match="YYYY-MM"):
        Period.parse(written)


def test_a_future_period_is_refused_when_asked_and_written_back_as_yyyy_mm() -> None:
    assert str(Period.parse(" 2026-11 ", not_after=date(2026, 11, 30))) == "2026-11"
    with pytest.raises(PeriodError, match="future"):
        Period.parse("2026-12", not_after=date(2026, 11, 30))


@pytest.mark.parametrize(("moment", "period"), [
    (datetime(2026, 10, 4, 22, 0, tzinfo=UTC), Period(2026, 10)),   # 06:00 on 5 October in Shanghai
    (datetime(2026, 10, 31, 20, 0, tzinfo=UTC), Period(2026, 11)),  # already 1 November in Shanghai
    (datetime(2026, 1, 5, 6, 0, tzinfo=UTC), Period(2026, 1)),
    (date(2026, 12, 31), Period(2026, 12)),
])
def test_a_moment_falls_in_the_month_of_the_bureau_time_zone(moment: datetime, period: Period) -> None:
    assert Period.of(moment) == period


def test_periods_step_order_and_range_over_years() -> None:
    assert (Period(2026, 1).previous(), Period(2026, 12).next()) == (Period(2025, 12), Period(2027, 1))
    assert [str(p) for p in Period(2026, 11).through(Period(2027, 2))] == [
        "2026-11", "2026-12", "2027-01", "2027-02"]
    assert list(Period(2026, 3).through(Period(2026, 2))) == []
    assert Period(2026, 9).deadline(3) == date(2026, 10, 3)
    assert Period(2026, 12).deadline(5) == date(2027, 1, 5)
    assert Period(2025, 12) < Period(2026, 1)


def test_the_trigger_form_offers_the_months_up_to_this_one_newest_first() -> None:
    months = offered_periods(date(2026, 11, 30))
    assert months[:3] == ["2026-11", "2026-10", "2026-09"]
    assert months[-1] == "2020-01" and len(months) == 6 * 12 + 11
