"""Input parsing: the one place that turns what a client, a shop, a spreadsheet or a person sent
into values the services can trust. The API, the webhooks, the CSV imports and the pages all parse
through here, so a value means the same and fails the same way whichever door it came through.

Every function either returns a clean value or raises ``ParseError`` with a translated message
(and a stable ``code``). ``ParseError`` is a Django ``ValidationError``, so a form field or a
serializer field that calls these functions shows the message without a translation layer.

Text kinds and what happens to invisible characters (the reasons are in ``text``):

=====================  ==========  ==========  ==========
character              LINE        MULTILINE   IDENTIFIER
=====================  ==========  ==========  ==========
NUL                    refused     refused     refused
other C0/C1 controls   refused     refused     refused
tab, CR, LF            → space     kept (LF)   refused
bidi overrides         refused     refused     refused
  and isolates
bidi marks (LRM, RLM)  removed     kept        removed
zero-width space,      removed     removed     removed
  word joiner, BOM
ZWJ, ZWNJ              removed     kept        removed
lone surrogate         → U+FFFD    → U+FFFD    → U+FFFD
=====================  ==========  ==========  ==========

``clean_text`` is the forgiving variant for content a shop has already taken from a customer:
instead of refusing it removes what ``text`` would refuse and says what it changed, so the caller
can take the order in and put it on hold with the reason.
"""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from oms.error_codes import ParseErrorCode
from oms.money import CENT, AmbiguousAmountError, parse_amount_text, quantize

# The largest amount a price, a total or a line may have: what ``DecimalField(max_digits=12,
# decimal_places=2)`` stores.
MAX_AMOUNT = Decimal("9999999999.99")
# The most units one order line or stock movement may carry: far above any real order, far below
# anything that overflows a PostgreSQL integer when summed over many lines.
MAX_QUANTITY = 100_000
# How far back an order may have been placed: a late import of last year's orders still fits,
# a mistyped century (1900, 0001) does not.
PLACED_AT_MAX_AGE = datetime.timedelta(days=366)
# How far ahead of our clock a channel's clock may run: minutes of drift, not a date in the future.
PLACED_AT_MAX_SKEW = datetime.timedelta(minutes=15)
MAX_EMAIL_LENGTH = 254  # RFC 5321's path limit minus the angle brackets
MAX_LOCAL_PART_OCTETS = 64


class ParseError(ValidationError):
    """A value that cannot be used as sent. ``message`` is translated (lazily), ``code`` is stable."""

    def __init__(self, message: str | Promise, *, code: str = "invalid"):
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return self.messages[0]


class Kind(enum.Enum):
    """What a text field holds; decides which invisible characters it may contain."""

    LINE = "line"  # names, street, city, postcode, company, phone, subject, reason
    MULTILINE = "multiline"  # notes, messages, a reply to a customer
    IDENTIFIER = "identifier"  # SKUs, external order ids, codes: compared, never just read


LINE = Kind.LINE
MULTILINE = Kind.MULTILINE
IDENTIFIER = Kind.IDENTIFIER

NUL = "\x00"
# Explicit embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069): they reorder the
# characters that follow, so ``U+202E gpj.exe`` shows as ``exe.jpg`` and a name shows as another.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Direction marks: invisible and harmless in a sentence that mixes scripts, noise in a name.
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
# Never meaningful anywhere: zero-width space, word joiner, BOM / zero-width no-break space,
# Mongolian vowel separator (rendered as nothing), soft hyphen (invisible unless at a line break).
ZERO_WIDTH = frozenset("\u200b\u2060\ufeff\u180e\u00ad")
# Joiners: part of emoji sequences (👩‍💻) and of Persian and Indic spelling, so kept in free text.
JOINERS = frozenset("\u200c\u200d")
LINE_BREAKS = frozenset("\t\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

_REMOVED = {
    Kind.LINE: ZERO_WIDTH | JOINERS | BIDI_MARKS,
    Kind.MULTILINE: ZERO_WIDTH,
    Kind.IDENTIFIER: ZERO_WIDTH | JOINERS | BIDI_MARKS,
}


@dataclass(frozen=True)
class CleanedText:
    """What ``clean_text`` made of a value, and what it had to change (codes, see ``text``)."""

    text: str
    changes: frozenset[str]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


# In a Python string every surrogate is a lone one: JSON parsers join valid pairs into one character.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: str) -> tuple[str, bool]:
    """Lone surrogates (``"\\ud800"`` from a JSON escape) cannot be encoded as UTF-8 or stored;
    each becomes U+FFFD, the replacement character, so the rest of the text survives."""
    replaced, count = _SURROGATE.subn("\ufffd", value)
    return replaced, bool(count)


def _scan(value: Any, kind: Kind, *, forgiving: bool = False) -> tuple[str, set[str]]:
    """``value`` as NFC text with the removals of ``kind`` done; the set names what ``text`` refuses
    (``nul``, ``control``, ``bidi``) or what was replaced (``surrogate``). ``forgiving`` drops the
    refused characters instead of keeping them."""
    raw = "" if value is None else value if isinstance(value, str) else str(value)
    if raw.isascii() and raw.isprintable():  # the common case on the intake hot path: nothing to do
        return raw.strip(), set()
    raw, replaced = _without_surrogates(raw)
    found: set[str] = {"surrogate"} if replaced else set()
    removed = _REMOVED[kind]
    out: list[str] = []
    if kind is Kind.MULTILINE:
        raw = raw.replace("\r\n", "\n")
    for char in raw:
        if char in removed:
            continue
        problem = None
        if char == NUL:
            problem = "nul"
        elif char in BIDI_CONTROLS:
            problem = "bidi"
        elif char in LINE_BREAKS:
            if kind is Kind.LINE:
                char = " "
            elif kind is Kind.MULTILINE:
                char = "\t" if char == "\t" else "\n"
            else:
                problem = "control"
        elif unicodedata.category(char) == "Cc":
            problem = "control"
        if problem is None:
            out.append(char)
        else:
            found.add(problem)
            if not forgiving:
                out.append(char)
    return unicodedata.normalize("NFC", "".join(out)).strip(), found


def text(
    value: Any,
    *,
    kind: Kind = Kind.LINE,
    max_length: int | None = None,
    required: bool = False,
) -> str:
    """``value`` as text safe to store and to show staff, or ``ParseError``.

    Normalised to NFC (``"Mu\\u0308ller"`` and ``"Müller"`` are one name, found by one search) and
    stripped. Refused everywhere: NUL (PostgreSQL cannot store it), the other C0/C1 control
    characters (no person types them; they come from binary junk or an attack, and terminals and
    spreadsheets act on them), and bidi overrides, embeddings and isolates (they make staff read a
    name, an address or a file name other than the one stored; real Arabic or Hebrew text is
    ordered correctly by the Unicode bidi algorithm without them). Refusing tells the sender what
    is wrong instead of silently storing something else.

    Removed silently: characters that are invisible and carry no meaning in the field, but often
    come along with copy and paste (zero-width space, BOM, soft hyphen; in one-line fields and
    identifiers also the direction marks and the zero-width joiners, which would make ``Anna`` and
    ``An<ZWJ>na`` two customers that look the same). Free text keeps the joiners (emoji sequences,
    Persian and Indic spelling) and direction marks (mixed-script sentences) and its line breaks;
    a one-line field turns tabs and line breaks into spaces (pasted from a spreadsheet); an
    identifier refuses them. Lone surrogates become U+FFFD. ``max_length`` counts characters
    after all this.
    """
    cleaned, found = _scan(value, kind)
    if "nul" in found:
        # PostgreSQL cannot store NUL in text; the sender gets told, not a 500.
        raise ParseError(_("Null characters are not allowed."), code=ParseErrorCode.NULL_CHARACTER)
    if "bidi" in found:
        raise ParseError(
            _("The text contains characters that reverse or reorder how it is shown (such as U+202E); remove them."),
            code=ParseErrorCode.BIDI_CONTROL,
        )
    if "control" in found:
        raise ParseError(
            _("The text contains control characters (such as a line break or a tab); remove them.")
            if kind is Kind.IDENTIFIER
            else _("The text contains control characters; remove them."),
            code=ParseErrorCode.CONTROL_CHARACTER,
        )
    return _checked_length(cleaned, max_length=max_length, required=required)


def clean_text(value: Any, *, kind: Kind = Kind.LINE, max_length: int | None = None) -> CleanedText:
    """``value`` made storable without refusing it, for content a shop has already accepted: what
    ``text`` refuses is removed, lone surrogates become U+FFFD, an over-long text is cut. The
    ``changes`` (``nul``, ``control``, ``bidi``, ``surrogate``, ``truncated``) let the caller hold
    the order with the reason."""
    cleaned, found = _scan(value, kind, forgiving=True)
    if max_length is not None and len(cleaned) > max_length:
        cleaned = cleaned[:max_length].rstrip()
        found.add("truncated")
    return CleanedText(cleaned, frozenset(found))


def _checked_length(value: str, *, max_length: int | None, required: bool) -> str:
    if required and not value:
        raise ParseError(_("This field is required."), code=ParseErrorCode.REQUIRED)
    if max_length is not None and len(value) > max_length:
        raise ParseError(
            _("At most %(max)d characters (this has %(length)d).") % {"max": max_length, "length": len(value)},
            code=ParseErrorCode.MAX_LENGTH,
        )
    return value


def has_nul(value: Any) -> bool:
    """True when ``value`` (a string, or any value as text) contains NUL, which PostgreSQL cannot
    store or even compare: a look-up with it can only answer "not found"."""
    return value is not None and NUL in (value if isinstance(value, str) else str(value))


def search_text(value: Any, *, max_length: int = 200) -> str:
    """A search as typed, safe to put in any query: never refused (a search box answers "nothing
    found", not an error), so NUL and other controls are dropped, then as a one-line text, cut."""
    return clean_text(value, kind=Kind.LINE, max_length=max_length).text


# --- numbers --------------------------------------------------------------------------------------


def amount(
    value: Any,
    *,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal = MAX_AMOUNT,
    localized: bool = False,
) -> Decimal:
    """A money amount with at most two decimals, between ``minimum`` and ``maximum``, as a Decimal
    quantized to the cent; or ``ParseError``.

    Takes a Decimal, an int, a numeric string, or a float as JSON parsers produce them (converted
    through its shortest text, so ``19.99`` stays 19.99). ``localized`` also reads what people and
    spreadsheets write (``19,99``, ``1.299,00 €``) and refuses the ambiguous ``1.299``. ``NaN``,
    infinities, ``1e308`` and booleans are refused with a message, never an ``InvalidOperation``.
    """
    if isinstance(value, bool) or value is None:
        raise ParseError(_("Enter an amount such as 19.99."), code=ParseErrorCode.INVALID_AMOUNT)
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif localized:
            number = parse_amount_text(text(value, max_length=40))
        else:
            number = Decimal(text(value, max_length=40))
    except AmbiguousAmountError as exc:
        raise ParseError(exc.message, code=ParseErrorCode.AMBIGUOUS_AMOUNT) from None
    except (InvalidOperation, ValueError, TypeError):
        raise ParseError(_("Enter an amount such as 19.99."), code=ParseErrorCode.INVALID_AMOUNT) from None
    if not number.is_finite():
        raise ParseError(_("Enter an amount such as 19.99."), code=ParseErrorCode.INVALID_AMOUNT)
    if minimum is not None and number < minimum:
        if minimum == 0:
            raise ParseError(_("The amount must not be negative."), code=ParseErrorCode.NEGATIVE_AMOUNT)
        raise ParseError(
            _("The amount must be at least %(min)s.") % {"min": minimum}, code=ParseErrorCode.AMOUNT_TOO_SMALL
        )
    if number > maximum or (minimum is None and number < -maximum):
        raise ParseError(
            _("The amount is too large (at most %(max)s).") % {"max": maximum}, code=ParseErrorCode.AMOUNT_TOO_LARGE
        )
    if number != number.quantize(CENT):
        raise ParseError(_("Use at most two decimal places."), code=ParseErrorCode.TOO_MANY_DECIMALS)
    return quantize(number)


_WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,12}$")


def quantity(value: Any, *, minimum: int = 1, maximum: int = MAX_QUANTITY) -> int:
    """A number of units: a whole number from ``minimum`` (1 unless zero means something, such as
    "remove the line") to ``maximum``; or ``ParseError``.

    Takes an int, a string of digits, or an integral float or Decimal (``2.0`` from a JSON encoder).
    Booleans, ``2.5``, ``"1e3"``, ``NaN`` and ``"2 Stück"`` are refused.
    """
    number: int | None = None
    if isinstance(value, bool) or value is None:
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal):
        try:
            if value == int(value):
                number = int(value)
        except (OverflowError, ValueError, InvalidOperation):
            number = None
    else:
        raw = text(value, max_length=40)
        if _WHOLE_NUMBER.match(raw):
            number = int(raw)
    if number is None:
        raise ParseError(_("Enter a whole number."), code=ParseErrorCode.INVALID_QUANTITY)
    if number < minimum:
        raise ParseError(
            _("The quantity must be at least %(min)d (got %(value)d).") % {"min": minimum, "value": number},
            code=ParseErrorCode.QUANTITY_TOO_SMALL,
        )
    if number > maximum:
        raise ParseError(_("At most %(max)d units.") % {"max": maximum}, code=ParseErrorCode.QUANTITY_TOO_LARGE)
    return number


def is_whole_number(value: Any) -> bool:
    """True for an ``int`` that is not a ``bool`` (``True`` is an int to Python, never a quantity)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_quantity(value: Any, *, minimum: int = 1, maximum: int | None = None) -> bool:
    """The check a service makes of a quantity its caller already parsed (``quantity`` parses a
    typed or sent one): a whole number from ``minimum`` (1 unless zero means something) up to
    ``maximum``."""
    return is_whole_number(value) and value >= minimum and (maximum is None or value <= maximum)


# --- e-mail ---------------------------------------------------------------------------------------

# RFC 5322 atext (dot-atom) extended by RFC 6531/6532 with every non-ASCII character; controls,
# spaces and bidi controls are refused by ``text`` before this runs.
_LOCAL_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])+"
_LOCAL_PART = re.compile(rf"^{_LOCAL_ATOM}(?:\.{_LOCAL_ATOM})*$")


def email(value: Any) -> str:
    """An e-mail address, internationalised addresses included (RFC 6531: ``jörg.müller@example.de``,
    ``用户@例子.中国``); or ``ParseError``.

    The local part is a dot-atom whose characters may be any non-ASCII letter, at most 64 bytes in
    UTF-8; quoted local parts (``"a b"@example.com``) are refused, as no shop and no mail form
    sends them. The domain is checked as Django checks it (IDNA, or an address literal). NFC
    normalised, as RFC 6532 asks; the case is kept (a local part may be case-sensitive).
    """
    address = text(value, kind=Kind.IDENTIFIER, max_length=MAX_EMAIL_LENGTH, required=True)
    local, at, domain = address.rpartition("@")
    invalid = ParseError(_("Enter a valid e-mail address."), code=ParseErrorCode.INVALID_EMAIL)
    if not at or not local or not domain:
        raise invalid
    if len(local.encode("utf-8")) > MAX_LOCAL_PART_OCTETS or not _LOCAL_PART.match(local):
        raise invalid
    try:
        validate_email(f"x@{domain}")  # the domain part only: IDNA, length, literals
    except ValidationError:
        raise invalid from None
    return address


# --- dates ----------------------------------------------------------------------------------------


def placed_at(value: Any, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """When a channel says the order was placed: an aware datetime, at most ``PLACED_AT_MAX_AGE``
    before ``now`` and ``PLACED_AT_MAX_SKEW`` after it (a shop's clock may run a little ahead); or
    ``ParseError``. Returned in UTC. The order number's year does not come from it."""
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        raise ParseError(_("Give a date and time with a time zone."), code=ParseErrorCode.INVALID_DATETIME)
    now = now or timezone.now()
    try:
        moment = value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ParseError(_("The date is out of range."), code=ParseErrorCode.DATETIME_OUT_OF_RANGE) from None
    if moment > now + PLACED_AT_MAX_SKEW:
        raise ParseError(
            _("The order date %(value)s is in the future.") % {"value": moment.isoformat()},
            code=ParseErrorCode.PLACED_IN_FUTURE,
        )
    if moment < now - PLACED_AT_MAX_AGE:
        raise ParseError(
            _("The order date %(value)s is more than a year ago.") % {"value": moment.isoformat()},
            code=ParseErrorCode.PLACED_TOO_LONG_AGO,
        )
    return moment
