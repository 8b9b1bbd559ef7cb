"""Reading bank statement files: CAMT.053 XML (``camt``) and German banks' CSV (``german_csv``).

``parse_statement(data)`` tells the format from the content (XML starts with ``<``) and returns a
``ParsedStatement`` or raises ``StatementParseError`` with a message for the user.
"""

from __future__ import annotations

from billing.bank_formats.base import ParsedLine, ParsedStatement, StatementParseError
from billing.bank_formats.camt import parse_camt053
from billing.bank_formats.german_csv import parse_german_csv

__all__ = ["ParsedLine", "ParsedStatement", "StatementParseError", "parse_statement"]


def parse_statement(data: bytes) -> ParsedStatement:
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return parse_camt053(data)
    return parse_german_csv(data)
