"""The web front end and the docs portal in a real browser (headless Chromium) against the real mesh.
Screenshots land in artifacts/screenshots/."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_front_end_reads_links_corrects_and_reopens(run_browser):
    """Upload a real page, see boxes and text, link them, correct a line, reload, reopen: the
    correction comes back from PostgreSQL. Search finds the page by a word it holds (marked in the
    snippet, its lines marked on the image), by that word misread and by the correction. A box moved,
    a line deleted and one added are saved as one correction, stored with their points and flags, shown
    after a reload, and the added line is found by search. Also paste, drop with resize, phone layout,
    copy, JSON."""
    run_browser("ui")


def test_front_end_shows_a_pdf_page_by_page_and_downloads_its_exports(run_browser):
    """A 2-page PDF of real receipts: "Page 1 of 2" with page 1's image, boxes and lines; page 2 with its own; the
    text export downloaded (fetched, saved from an object URL) holds both pages' text, a form feed between them."""
    run_browser("documents")


def test_front_end_explains_failed_uploads(run_browser):
    """Too large (the gateway's 413), not an image (415), no network, gateway timeout, a search query refused (422)."""
    run_browser("errors")


def test_docs_portal_renders_every_service_offline(run_browser):
    """/portal/ with every non-local request blocked lists each service's operations."""
    run_browser("portal")


def test_front_end_signs_in_to_a_gateway_with_authentication_on(run_browser, auth_gateway):
    """The chart's gateway (AUTH_ENABLED=true, API keys): the front end asks for a key on the first 401, refuses a
    wrong one, keeps the right one in the tab (reload: still signed in; another tab: asked again), sends it on every
    call including the stored image, and forgets it on sign out."""
    url, key = auth_gateway
    run_browser("signin", BASE_URL=url, API_KEY=key)
