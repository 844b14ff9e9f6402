"""XLSX of a result with flat memory (XlsxWriter constant_memory): numbers as numbers, dates as dates, text as text."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from pgadmin_lite.connections.export_formats import Rows, Target, pg_text

MAX_SHEET_ROWS = 1_048_576  # Excel's limit: the rows past it continue on the next sheet, under the same header
EXACT_DIGITS = 15  # a double keeps 15 significant digits: longer numbers stay text, as the grid shows them
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
FIRST_EXCEL_YEAR = 1900
Cell = Callable[[Worksheet, int, int, Any], Any]


def write_workbook(path: str, target: Target, rows: Rows) -> None:
    """Write the rows into a new workbook at path (a row at a time: XlsxWriter keeps only the current one)."""
    book = xlsxwriter.Workbook(path, {
        "constant_memory": True, "tmpdir": str(target.workdir), "remove_timezone": True,
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    try:
        cells = [_cell_writer(column["type"], book) for column in target.columns]
        header = book.add_format({"bold": True})
        sheet, line = None, MAX_SHEET_ROWS
        for row in rows:
            if line == MAX_SHEET_ROWS:
                sheet, line = _new_sheet(book, target, header), 1
            for index, value in enumerate(row):
                if value is not None:
                    cells[index](sheet, line, index, value)
            line += 1
        if sheet is None:
            _new_sheet(book, target, header)
    finally:
        book.close()


def _new_sheet(book: xlsxwriter.Workbook, target: Target, header: Any) -> Worksheet:
    sheet = book.add_worksheet()
    for index, column in enumerate(target.columns):
        sheet.write_string(0, index, column["name"], header)
    sheet.freeze_panes(1, 0)
    return sheet


def _cell_writer(type_name: str, book: xlsxwriter.Workbook) -> Cell:
    """How a column's values are written, from the type PostgreSQL gave it (columns[].type)."""
    if type_name == "date":
        return _dated(datetime.date.fromisoformat, book.add_format({"num_format": DATE_FORMAT}))
    if type_name.startswith("timestamp"):
        return _dated(datetime.datetime.fromisoformat, book.add_format({"num_format": DATETIME_FORMAT}))
    if type_name.startswith("numeric") or type_name == "bigint":
        return _numeric
    return _plain


def _plain(sheet: Worksheet, row: int, col: int, value: Any) -> None:
    """Booleans and numbers as such (a string stays text, whatever it looks like), arrays as PostgreSQL's text."""
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, pg_text(value))


def _numeric(sheet: Worksheet, row: int, col: int, value: Any) -> None:
    """A numeric or big int8 (a string in the API) as a number when a double holds it exactly, else its text."""
    number = _exact_number(value) if isinstance(value, str) else None
    if number is None:
        _plain(sheet, row, col, value)
    else:
        sheet.write_number(row, col, number)


def _exact_number(text: str) -> float | None:
    """A numeric's (or big int8's) text as a double, when it is finite with 15 significant digits at most."""
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None
    digits = number.normalize().as_tuple().digits  # trailing zeros of the scale are not significant
    return float(number) if number.is_finite() and len(digits) <= EXACT_DIGITS else None


def _dated(parse: Callable[[str], datetime.date], style: Any) -> Cell:
    """Dates and timestamps as Excel dates; 'infinity', BC and years before 1900 stay text (Excel has no such dates).

    A timestamptz is written as the wall time PostgreSQL printed (in the session's TimeZone); its offset is dropped.
    """
    def write(sheet: Worksheet, row: int, col: int, value: Any) -> None:
        try:
            when = parse(value)
        except (TypeError, ValueError):
            when = None
        if when is None or when.year < FIRST_EXCEL_YEAR:
            sheet.write_string(row, col, pg_text(value))
        else:
            sheet.write_datetime(row, col, when, style)
    return write
