"""The text of a file a spreadsheet wrote.

German Excel saves "CSV UTF-8" (with a byte order mark) or, as its default "CSV (Trennzeichen-
getrennt)", Windows-1252. A file is read as UTF-8 when it is valid UTF-8, else as Windows-1252
(UTF-8 text is almost never valid Windows-1252 by accident, and the reverse holds for umlauts).
A file that is neither, or holds NUL bytes, is not a text file and is refused.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


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
