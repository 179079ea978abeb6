"""Every error is a Dutch page in the site's frame, with the logged-in header for someone logged in (also where
no route matched: 404, 405); the API keeps answering JSON."""

from __future__ import annotations

import html

from tests.factories import login_as, make_location, make_user


def test_a_404_and_a_405_show_the_logged_in_header(test_settings, client):
    location = make_location(test_settings, "Huiskamer De Vaart")
    user = make_user(test_settings, "coordinator", name="Fatima el Amrani", location_ids=(location,))
    login_as(test_settings, client, user)
    missing = client.get("/bestaat-niet")
    assert missing.status_code == 404
    page = html.unescape(missing.text)
    assert "<h1>Pagina niet gevonden</h1>" in page
    assert "Fatima el Amrani" in page and 'action="/uitloggen"' in page
    wrong_method = client.post("/over", data={})
    assert wrong_method.status_code == 405
    assert "Dit kan hier niet" in wrong_method.text and "Fatima el Amrani" in html.unescape(wrong_method.text)
    assert "GET" in wrong_method.headers["allow"]


def test_an_error_page_for_someone_logged_out_offers_the_log_in(client):
    missing = client.get("/bestaat-niet")
    assert missing.status_code == 404
    assert "<h1>Pagina niet gevonden</h1>" in missing.text and 'action="/uitloggen"' not in missing.text
    assert 'href="/inloggen"' in missing.text


def test_forbidden_is_a_dutch_page_and_the_api_stays_json(test_settings, client):
    referrer = make_user(test_settings, "referrer")
    login_as(test_settings, client, referrer)
    forbidden = client.get("/intakes")
    assert forbidden.status_code == 403
    assert "<h1>Geen toegang</h1>" in forbidden.text and 'action="/uitloggen"' in forbidden.text
    api_missing = client.get("/api/v1/bestaat-niet")
    assert api_missing.status_code in (401, 404)
    assert api_missing.headers["content-type"].startswith("application/json")
    assert client.get("/api/v1/bestaat-niet/%00").headers["content-type"].startswith("application/json")
