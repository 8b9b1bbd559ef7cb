"""Files for and from spreadsheets: CSV that German Excel opens as it is, and the text of a file it wrote.

Writing (``csv_lines``): semicolons, a byte order mark so Excel reads UTF-8, decimal commas
(``decimal_comma``), and text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
tab, carriage return at the start; CSV injection) defused with a leading apostrophe, which our
imports remove again (``unescape_cell``). Lines are yielded one by one, for a
``StreamingHttpResponse``.

Reading (``decode_text``): German Excel saves "CSV UTF-8" (with a byte order mark) or, as its
default "CSV (Trennzeichen-getrennt)", Windows-1252. A file is read as UTF-8 when it is valid
UTF-8, else as Windows-1252 (UTF-8 text is almost never valid Windows-1252 by accident, and the
reverse holds for umlauts).
A file that is neither, or holds NUL bytes, is not a text file and is refused.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

# A text cell starting with one of these is a formula to a spreadsheet program (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file that hands back what is written to it: ``csv.writer`` then returns each line."""

    def write(self, value: str) -> str:
        return value


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; the imports remove it again."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """A cell of one of our exports as it was before ``safe_cell``."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def decimal_comma(value: Any) -> str:
    """``3,49``: a German spreadsheet reads ``3.49`` as a date (March 1949)."""
    return "" if value is None else str(value).replace(".", ",")


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV lines for German Excel (see the module docstring), the header first, one row at a time."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow([str(h) for h in header])  # BOM: spreadsheet programs then read UTF-8
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


class NotTextError(ValueError):
    """The upload is not CSV text; ``str(exc)`` says so in the user's language."""


def decode_text(data: bytes) -> str:
    if b"\x00" in data:
        raise NotTextError(_("The file is not a text (CSV) file: it holds NUL bytes."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise NotTextError(
            _("The file is neither UTF-8 nor Windows-1252 text (byte %(pos)d). Save it as CSV from your spreadsheet.")
            % {"pos": exc.start}
        ) from exc
