"""Reporting pages. The root URLconf includes this module; the reporting features add their patterns here."""

urlpatterns: list = []
