"""Which URL a boosted link or form leaves in the address bar (``site.htmx.push_boosted_url``): one that a
reload can GET."""

from __future__ import annotations

import asyncio

import pytest

from huiskamer.site.htmx import push_boosted_url


def pushed(method: str, status: int, *, boosted: bool = True, named: str | None = None) -> str | None:
    """The HX-Push-Url the response to this request carries."""
    request_headers = [(b"hx-request", b"true")] + ([(b"hx-boosted", b"true")] if boosted else [])
    scope = {
        "type": "http",
        "method": method,
        "path": "/signalen",
        "query_string": b"locatie=1",
        "headers": request_headers,
    }
    response_headers = [(b"hx-push-url", named.encode())] if named else []
    message = {"type": "http.response.start", "status": status, "headers": response_headers}
    asyncio.run(push_boosted_url(message, scope))  # type: ignore[arg-type]
    found = [value.decode() for key, value in message["headers"] if key.lower() == b"hx-push-url"]
    assert len(found) <= 1
    return found[0] if found else None


def test_the_page_a_boosted_get_shows_goes_in_the_address_bar():
    assert pushed("GET", 200) == "/signalen?locatie=1"


@pytest.mark.parametrize("status", [200, 409, 422])
def test_a_form_answered_with_its_page_again_keeps_the_address_of_the_page_it_was_on(status):
    # Not the POST-only action URL: a reload of that would be a 405.
    assert pushed("POST", status) == "false"


def test_a_redirect_leaves_the_push_to_the_get_that_follows():
    assert pushed("POST", 303) is None


def test_a_url_named_by_the_handler_stays():
    assert pushed("POST", 409, named="/aanmeldingen/1") == "/aanmeldingen/1"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_requests_that_are_not_boosted_get_nothing(method):
    assert pushed(method, 200, boosted=False) is None
    assert pushed(method, 422, boosted=False) is None
