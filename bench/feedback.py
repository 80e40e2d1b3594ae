"""Benchmark: the feedback workbook of a rejected CSV with a problem on every line.

    .venv/bin/python bench/feedback.py [--problems 2000 4000 8000 99999]

For each size, writes a CSV of that many lines for unit C03, each naming an indicator that is not in the
catalog (one ``unknown_indicator`` per line), parses it (not timed) and times
``feedback.feedback_workbook``. The time should grow linearly with the lines (the CSV is copied whole;
only the first ``feedback.LISTED`` problems are listed and marked). Goal: the most a file may hold
(99,999 lines under its header) in seconds. Wall and CPU seconds are both printed: on a shared machine
wall time alone says little.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from datetime import date

from scorecard import catalog, feedback
from scorecard.parsing import parse_file

TODAY = date(2026, 11, 27)


def bad_csv(lines: int) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["unit_code", "period", "indicator_code", "value", "numerator", "denominator", "note"])
    writer.writerows(["C03", "2026-09", f"NO_SUCH_{n}", n, "", "", "备注 note"] for n in range(lines))
    return buffer.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--problems", type=int, nargs="+", default=[2000, 4000, 8000, 99_999])
    args = parser.parse_args()
    cat = catalog.load_files()
    for lines in args.problems:
        data = bad_csv(lines)
        submissions = parse_file("bench.csv", data, cat, TODAY)
        problems = sum(len(s.problems) for s in submissions)
        wall, cpu = time.perf_counter(), time.process_time()
        book = feedback.feedback_workbook(data, submissions)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert book is not None
        print(f"{problems:>7} problems ({len(data) / 1e6:.1f} MB CSV): feedback in {wall:.2f} s "
              f"(CPU {cpu:.2f} s), {len(book) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
