"""The coordinator's referral page leads to the next step of the life of a referral."""

from __future__ import annotations

from tests.factories import api, login_as, make_location, make_token, make_user

BODY = {
    "child": {"given_name": "Noor", "family_name": "Bakker", "date_of_birth": "2017-03-14", "postcode": "1325 AB"},
    "guardian": {"name": "M. Bakker", "phone": "06 12345678"},
    "reason": "Wordt snel boos.",
    "guardian_informed": True,
    "requested_weekdays": ["mon"],
}


def test_a_referral_in_review_links_to_the_intake_form(test_settings, client):
    location = make_location(test_settings)
    coordinator = make_user(test_settings, "coordinator", location_ids=(location,))
    token = make_token(test_settings, coordinator)
    body = {**BODY, "preferred_location_ids": [str(location)]}
    referral = client.post("/api/v1/referrals", json=body, headers=api(client, token)).json()["id"]
    login_as(test_settings, client, coordinator)
    assert f"/aanmeldingen/{referral}/intake" not in client.get(f"/aanmeldingen/{referral}").text
    client.post(f"/api/v1/referrals/{referral}/transitions", json={"to": "in_review"}, headers=api(client, token))
    page = client.get(f"/aanmeldingen/{referral}")
    assert page.status_code == 200
    assert f'href="/aanmeldingen/{referral}/intake"' in page.text
