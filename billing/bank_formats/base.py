"""What a bank statement file says, whatever its format."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal


class StatementParseError(ValueError):
    """The file is not a statement we can read; ``str`` says why (shown to the user)."""


@dataclass(frozen=True)
class ParsedLine:
    booking_date: datetime.date
    amount: Decimal  # negative for a debit
    currency: str
    remittance: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    end_to_end_id: str = ""
    value_date: datetime.date | None = None
    bank_reference: str = ""  # the bank's own id of the entry (CAMT AcctSvcrRef)

    def key(self, index: int) -> str:
        """The line's identity within its account: the bank's reference, else a hash of what it
        says; ``index`` counts the identical lines before it in the same file, so two equal
        payments on one day stay two lines while a later file that overlaps this one finds them."""
        if self.bank_reference:
            return f"ref:{self.bank_reference[:80]}:{index if index else ''}".rstrip(":")
        text = "|".join(
            [
                self.booking_date.isoformat(),
                str(self.amount),
                self.currency,
                self.remittance,
                self.counterparty_iban,
                self.end_to_end_id,
                str(index),
            ]
        )
        return "sha:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ParsedStatement:
    format: str
    account_iban: str
    statement_id: str
    lines: list[ParsedLine] = field(default_factory=list)
