"""Two ways to the cell values of a worksheet: python-calamine (fast) and openpyxl.

Both hand back a Grid whose values have the same Python types, so the reader
above them, and so the records, do not depend on the engine:
  - empty cells and empty strings are None;
  - whole numbers are int (calamine reads every number as float, openpyxl
    writes whole numbers as int), other numbers float;
  - a date-formatted cell at midnight is a `date`, otherwise a `datetime`
    rounded to the second (the engines round fractions of a day differently);
  - times and durations are rounded to the second too.
Neither engine runs macros: calamine never does; openpyxl is opened with
keep_vba=False and only parses XML.  Error cells: openpyxl reports them
(`data_type == "e"`); calamine reads them as empty, so the reader takes them
from the package scan (adtools.forms.ooxml) for both engines.
"""
from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

__all__ = ["ENGINES", "Grid", "Engine", "EngineFailed", "open_engine", "normalise"]

log = logging.getLogger("adtools.forms.engines")

ENGINES = ("calamine", "openpyxl")


class EngineFailed(Exception):
    """Internal: an engine could not open or read the file (its own exception is the cause)."""


@dataclass
class Grid:
    """Values of one worksheet: rows 1..n, columns 1..width; only rows holding a value are kept."""

    rows: dict[int, list[Any]] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # from the engine, when it knows

    def get(self, row: int, col: int) -> Any:
        values = self.rows.get(row)
        if values is None or col > len(values):
            return None
        return values[col - 1]


class Engine(Protocol):
    name: str

    def sheet_names(self) -> list[str]: ...

    def grid(self, sheet: str, max_row: int, max_col: int) -> Grid: ...

    def close(self) -> None: ...


def _round_seconds(t: datetime) -> datetime:
    if t.microsecond:
        return (t + timedelta(microseconds=500_000)).replace(microsecond=0)
    return t


def normalise(v: Any) -> Any:
    """One cell value in the engine-independent form described in the module docstring."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
            return int(v)
        return v
    if isinstance(v, datetime):
        v = _round_seconds(v.replace(tzinfo=None))
        if v.time() == time(0):
            return v.date()
        return v
    if isinstance(v, time):
        if v.microsecond:
            whole = datetime.combine(date(2000, 1, 1), v.replace(tzinfo=None))
            return _round_seconds(whole).time()
        return v.replace(tzinfo=None)
    if isinstance(v, timedelta):
        return timedelta(seconds=round(v.total_seconds()))
    return v


@contextlib.contextmanager
def _quiet():
    """openpyxl warns, and on some damaged files prints to stdout: keep both out of
    the user's terminal (and out of `--json` output); log them instead."""
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        yield
    for w in caught:
        log.debug("openpyxl: %s", w.message)
    if out.getvalue():
        log.debug("openpyxl printed: %s", out.getvalue().strip()[:500])


# A Rust panic inside python-calamine surfaces as pyo3's PanicException, a BaseException:
# on a hostile file that is the file's fault, so it is caught like any engine error.
_CAUGHT = BaseException


def _reraise_interrupts(exc: BaseException) -> None:
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)):
        raise exc


class CalamineEngine:
    """python-calamine: values and sheet names, fast; reads Strict Open XML too."""

    name = "calamine"

    def __init__(self, path: Path):
        import python_calamine

        try:
            self._wb = python_calamine.CalamineWorkbook.from_path(str(path))
        except _CAUGHT as exc:
            _reraise_interrupts(exc)
            raise EngineFailed(f"calamine: {type(exc).__name__}: {exc}") from exc
        self._closed = False

    def sheet_names(self) -> list[str]:
        return list(self._wb.sheet_names)

    def grid(self, sheet: str, max_row: int, max_col: int) -> Grid:
        try:
            data = self._wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=max_row)
        except _CAUGHT as exc:
            _reraise_interrupts(exc)
            raise EngineFailed(f"calamine: {type(exc).__name__}: {exc}") from exc
        grid = Grid()
        norm = normalise
        for i, row in enumerate(data[:max_row], start=1):
            # text is the usual cell and normalises to itself (the empty string to None)
            values = [(v or None) if v.__class__ is str else norm(v) for v in row[:max_col]]
            if values.count(None) != len(values):
                grid.rows[i] = values
        return grid

    def close(self) -> None:
        # calamine refuses a second close (WorkbookClosed); closing drops the file handle and
        # reads nothing, so no content of the file can make it fail
        if not self._closed:
            self._closed = True
            self._wb.close()


class OpenpyxlEngine:
    """openpyxl in read-only mode: streams rows (bounded by max_row/max_col) and knows error cells."""

    name = "openpyxl"

    def __init__(self, path: Path):
        import openpyxl

        try:
            with _quiet():
                self._wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_vba=False, keep_links=False)
        except Exception as exc:
            raise EngineFailed(f"openpyxl: {type(exc).__name__}: {exc}") from exc

    def sheet_names(self) -> list[str]:
        return list(self._wb.sheetnames)

    def grid(self, sheet: str, max_row: int, max_col: int) -> Grid:
        grid = Grid()
        try:
            with _quiet():
                ws = self._wb[sheet]
                for i, row in enumerate(ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col), start=1):
                    values = []
                    for j, cell in enumerate(row, start=1):
                        v = cell.value
                        if getattr(cell, "data_type", None) == "e" and v is not None:
                            grid.errors[(i, j)] = str(v)
                            v = None
                        values.append(normalise(v))
                    if any(v is not None for v in values):
                        grid.rows[i] = values
        except Exception as exc:
            raise EngineFailed(f"openpyxl: {type(exc).__name__}: {exc}") from exc
        return grid

    def close(self) -> None:
        # closes the zip archive (a second close does nothing); it reads nothing, so no content
        # of the file can make it fail
        self._wb.close()


def open_engine(name: str, path: Path) -> Engine:
    """Open `path` with the engine called `name` ("calamine" or "openpyxl"); EngineFailed if it cannot."""
    if name == "calamine":
        return CalamineEngine(path)
    if name == "openpyxl":
        return OpenpyxlEngine(path)
    raise ValueError(f"unknown engine {name!r}")
