import pytest


@pytest.fixture(autouse=True)
def english_ui(settings) -> None:
    """Messages in English whatever the default language, so assertions on texts stay valid."""
    settings.LANGUAGE_CODE = "en"
