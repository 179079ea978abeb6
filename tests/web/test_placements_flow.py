from datetime import timedelta

from huiskamer.site.templating import today
from tests.factories import api, make_location, make_token, make_user, submitted_long_ago


def test_a_referral_goes_from_intake_through_waitlist_and_offer_to_placement_and_back_out(test_settings, client):
    """The whole road through the API: intake puts children on the waitlist in policy order, an open offer
    holds its seats (a placement on a held day is refused), accept places, ending frees the seat, and a
    capacity below what is placed is refused."""
    a = make_location(test_settings, "A", seats={"mon": 1, "tue": 1, "thu": 1}, neighbourhoods=("Stedenwijk",))
    ref = make_user(test_settings, "referrer")
    coord = make_user(test_settings, "coordinator", location_ids=(a,))
    t_ref, t_c = make_token(test_settings, ref), make_token(test_settings, coord)
    ids = []
    for name in ("Noor", "Sem"):
        body = {
            "child": {
                "given_name": name,
                "family_name": "Bakker",
                "date_of_birth": "2017-03-14",
                "postcode": "1325ab",
                "neighbourhood": "Stedenwijk",
            },
            "guardian": {"name": "M. Bakker", "phone": "06-12345678"},
            "reason": "Wordt snel boos.",
            "guardian_informed": True,
            "preferred_location_ids": [],
            "requested_weekdays": ["mon", "tue", "thu"],
        }
        rid = client.post("/api/v1/referrals", json=body, headers=api(client, t_ref)).json()["id"]
        submitted_long_ago(test_settings, rid)  # its intake is dated back
        assert (
            client.post(
                f"/api/v1/referrals/{rid}/transitions", json={"to": "in_review"}, headers=api(client, t_c)
            ).status_code
            == 200
        )
        intake = {
            "held_on": (today() - timedelta(days=10 if name == "Noor" else 3)).isoformat(),
            "goals": [
                {"code": "anger", "description": "Minder snel boos worden als ik verlies"},
                {"description": "Een vriendje maken"},
            ],
            "urgency": "high" if name == "Sem" else "normal",
            "urgency_reason": "Thuis onrustig." if name == "Sem" else None,
            "requested_weekdays": ["mon", "tue", "thu"],
            "minimum_days": 2,
            "preferred_location_ids": [str(a)],
            "collection_persons": ["M. Bakker (moeder)"],
            "safety_notes": "Allergisch voor noten.",
            "consent_data_processing": True,
        }
        r = client.post(f"/api/v1/referrals/{rid}/intake", json=intake, headers=api(client, t_c))
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "waitlisted"
        ids.append(rid)
    w = client.get(f"/api/v1/locations/{a}/waitlist", headers=api(client, t_c)).json()
    assert [e["referral_id"] for e in w["entries"]] == [ids[1], ids[0]]
    p = client.get(f"/api/v1/locations/{a}/proposals?start_date={today().isoformat()}", headers=api(client, t_c)).json()
    assert p["proposals"] == [{"referral_id": ids[1], "weekdays": ["mon", "tue", "thu"]}]
    assert w["entries"][0]["sentence"].startswith("Wacht 3 dagen · urgentie hoog telt als 90 dagen")
    assert sum(part["points"] for part in w["entries"][0]["explanation"]) == w["entries"][0]["score"]
    start = (today() + timedelta(days=7)).isoformat()
    o = client.post(
        "/api/v1/offers",
        json={
            "referral_id": ids[1],
            "location_id": str(a),
            "weekdays": ["mon", "tue"],
            "start_date": start,
            "respond_by": start,
        },
        headers=api(client, t_c),
    )
    assert o.status_code == 201, o.text
    full = client.post(
        "/api/v1/placements",
        json={"referral_id": ids[0], "location_id": str(a), "weekdays": ["mon"], "start_date": start},
        headers=api(client, t_c),
    )
    assert full.status_code == 409, full.text
    assert "maandag" in full.json()["detail"]
    ok = client.post(
        "/api/v1/placements",
        json={"referral_id": ids[0], "location_id": str(a), "weekdays": ["thu"], "start_date": start},
        headers=api(client, t_c),
    )
    assert ok.status_code == 201, ok.text
    acc = client.post(f"/api/v1/offers/{o.json()['id']}/accept", headers=api(client, t_c))
    assert acc.status_code == 201, acc.text
    d = client.get(f"/api/v1/referrals/{ids[1]}", headers=api(client, t_c)).json()
    assert d["status"] == "placed" and d["placement"]["weekdays"] == ["mon", "tue"] and d["intake"]["urgency"] == "high"
    rr = client.get(f"/api/v1/referrals/{ids[1]}", headers=api(client, t_ref)).json()
    # Since the second wave the referrer sees where and from when, and nothing else of the placement.
    assert "intake" not in rr and set(rr["placement"]) == {"location_name", "start_date"}
    end = client.post(
        f"/api/v1/placements/{acc.json()['id']}/end",
        json={"end_date": start, "reason_code": "moved_house"},
        headers=api(client, t_c),
    )
    assert end.status_code == 200, end.text
    lower = client.patch(
        f"/api/v1/locations/{a}",
        json={"capacity": {"thu": 0}},
        headers=api(client, make_token(test_settings, make_user(test_settings, "admin"))),
    )
    assert lower.status_code == 409, lower.text
