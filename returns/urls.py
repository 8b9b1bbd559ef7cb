"""Returns pages. The root URLconf includes this module; the returns features add their patterns here."""

urlpatterns: list = []
