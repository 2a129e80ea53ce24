"""Fixtures shared by the browser tests (test_browser.py, test_classroom_browser.py,
test_stepping_browser.py). The session settings for every test are in the root conftest.py."""
from __future__ import annotations

import pytest
from browser_support import chromium, find_chromium, require_browser


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the module. Skips with the reason when there is none, except
    under CI (CI=true), where a missing browser fails."""
    require_browser()
    with chromium(find_chromium()) as launched:
        yield launched
