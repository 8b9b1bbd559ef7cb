"""Tracking numbers in each carrier's own format, with its check digit, and the DHL routing code.

A format turns a serial (a non-negative integer the integration derives from the shipment) into
a number that looks and validates like the carrier's, and says whether a string is one:

| format | shape | check |
|---|---|---|
| ``dhl-paket`` | 20 digits, ``00340434`` + 11-digit serial + check | mod 10, weights 3-1-3-1 from the left |
| ``dpd`` | 14 digits, depot ``0101`` + 9-digit serial + check | mod 10, weights 3-1 |
| ``gls`` | 12 digits, 11-digit serial + check | mod 10, weights 3-1 |
| ``hermes`` | 14 digits, ``0`` + 12-digit serial + check | mod 10, weights 3-1 |
| ``ups`` | ``1Z`` + 6-char shipper + 2-digit service + 7-digit serial + check | UPS's mod 10, letters as digits |

A serial too large for its format wraps around its digits (the integration keeps serials small).
The routing code (``leitcode``) is Deutsche Post's 14-digit Leitcode: postcode, street and house
number keys, product and a check digit ``(4A + 9B) mod 10``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass


def mod10_31(digits: str) -> int:
    """The check digit of ``digits`` weighted 3, 1, 3, 1 ... from the left (DHL 20-digit, DPD,
    GLS, Hermes): the distance of the weighted sum to the next multiple of ten."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return (10 - total % 10) % 10


def _ups_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    # UPS maps letters to digits: A=2, B=3, ... I=0, J=1, ... (the letter's position + 1, mod 10).
    return (ord(char) - ord("A") + 2) % 10


def ups_check(body: str) -> int:
    """UPS's check digit of the 15 characters after ``1Z``: odd positions once, even twice."""
    total = sum(_ups_value(c) * (2 if i % 2 == 1 else 1) for i, c in enumerate(body))
    return (10 - total % 10) % 10


def leitcode_check(digits: str) -> int:
    """Deutsche Post's check digit of a 13-digit Leitcode: 4 x odd positions + 9 x even, mod 10."""
    odd = sum(int(d) for d in digits[0::2])
    even = sum(int(d) for d in digits[1::2])
    return (10 - (4 * odd + 9 * even) % 10) % 10


@dataclass(frozen=True)
class NumberFormat:
    code: str
    example: str
    pattern: re.Pattern[str]
    _make: Callable[[int, str], str]
    _valid: Callable[[str], bool]
    serial_width: int = 7  # digits of the serial in the number

    def make(self, serial: int, *, account: str = "") -> str:
        """The number for ``serial`` (``account``: the shipper's account, for UPS)."""
        if serial < 0:
            raise ValueError("A serial is never negative")
        return self._make(serial, account)

    def make_return(self, serial: int, *, account: str = "") -> str:
        """The number of a return label: serials from the top tenth of the format's range, which
        outgoing packages (numbered from 1) do not reach, so the two never share a number."""
        top = 10 ** (self.serial_width - 1)
        return self.make(9 * top + serial % top, account=account)

    def is_valid(self, number: str) -> bool:
        number = normalise(number)
        return bool(self.pattern.fullmatch(number)) and self._valid(number)


def normalise(number: str) -> str:
    """A number as typed or scanned, without spaces and in capitals."""
    return re.sub(r"\s+", "", number or "").upper()


def _digits(prefix: str, width: int) -> Callable[[int, str], str]:
    def make(serial: int, account: str) -> str:
        body = prefix + str(serial % 10**width).zfill(width)
        return body + str(mod10_31(body))

    return make


def _valid_mod10(number: str) -> bool:
    return mod10_31(number[:-1]) == int(number[-1])


def _make_ups(serial: int, account: str) -> str:
    shipper = (normalise(account) or "OMS001")[:6].ljust(6, "0")
    body = shipper + "01" + str(serial % 10**7).zfill(7)
    return f"1Z{body}{ups_check(body)}"


def _valid_ups(number: str) -> bool:
    return ups_check(number[2:-1]) == int(number[-1])


FORMATS: dict[str, NumberFormat] = {
    f.code: f
    for f in (
        NumberFormat(
            "dhl-paket", "00340434000000000017", re.compile(r"\d{20}"), _digits("00340434", 11), _valid_mod10, 11
        ),
        NumberFormat("dpd", "01010000000015", re.compile(r"\d{14}"), _digits("0101", 9), _valid_mod10, 9),
        NumberFormat("gls", "000000000017", re.compile(r"\d{12}"), _digits("", 11), _valid_mod10, 11),
        NumberFormat("hermes", "00000000000017", re.compile(r"\d{14}"), _digits("0", 12), _valid_mod10, 12),
        NumberFormat("ups", "1ZOMS0010100000011", re.compile(r"1Z[0-9A-Z]{6}\d{10}"), _make_ups, _valid_ups, 7),
    )
}


def number_format(code: str) -> NumberFormat:
    try:
        return FORMATS[code]
    except KeyError:
        raise LookupError(f"No tracking number format {code!r}") from None


def leitcode(*, postcode: str, street: str, product: str = "00") -> str:
    """The 14-digit routing code of a German address: postcode, a three-digit key of the street
    name, the three-digit house number (000 without one), the product code, the check digit.

    The carrier's street keys are its own database; offline the key is derived from the name
    (stable, so the same address always gets the same code)."""
    digits = re.sub(r"\D", "", postcode)[:5].zfill(5)
    name, house = _split_street(street)
    street_key = str(zlib.crc32(name.casefold().encode()) % 1000).zfill(3)
    body = digits + street_key + house + product[:2].zfill(2)
    return body + str(leitcode_check(body))


def _split_street(street: str) -> tuple[str, str]:
    match = re.search(r"(\d{1,4})\s*[a-zA-Z]?\s*$", street.strip())
    if not match:
        return street.strip(), "000"
    return street[: match.start()].strip(), str(int(match.group(1)) % 1000).zfill(3)
