"""Least privilege in the audit trail: the beheerder sees which fields of a child's dossier changed, and when, not
their values; the coordinators of the child's locations see the values on the child's own history. Every field and
coded value has a Dutch name, and reading the trail is itself recorded."""

from __future__ import annotations

from sqlalchemy import text

from huiskamer.audit.service import FIELD_LABELS_NL, audited_tables
from huiskamer.db import metadata
from tests.attendance_helpers import SECRET_GUARDIAN_PHONE, SECRET_REASON, SECRET_URGENCY, make_cast, signed_in
from tests.web.test_access_log import _seed


def test_the_beheerder_sees_which_fields_changed_not_their_values(test_settings, client, sync_engine):
    cast = make_cast(test_settings, with_tokens=False)
    seed = _seed(test_settings, cast)
    signed_in(test_settings, client, cast.admin)
    for table in ("referrals", "intakes", "children"):
        page = client.get("/beheer/audit", params={"tabel": table})
        assert page.status_code == 200
        assert "(waarde alleen voor de coördinator)" in page.text, table
        for secret in (SECRET_REASON, SECRET_URGENCY, SECRET_GUARDIAN_PHONE, "Zwaluwstaart", "Noten"):
            assert secret not in page.text, (table, secret)
    assert "reden van aanmelding" in client.get("/beheer/audit", params={"tabel": "referrals"}).text
    # Changes of accounts and locations stay visible in full.
    locations = client.get("/beheer/audit", params={"tabel": "locations"}).text
    assert "Huiskamer Anemoon" in locations
    with sync_engine.connect() as connection:
        reads = connection.execute(text("SELECT detail FROM security_events WHERE kind = 'audit_read'")).scalars().all()
    assert any("tabel referrals" in detail for detail in reads)

    client.cookies.clear()
    signed_in(test_settings, client, cast.coordinator_a)
    history = client.get(f"/aanmeldingen/{seed['referral_id']}/wijzigingen")
    assert history.status_code == 200
    assert SECRET_REASON in history.text and "Zwaluwstaart" in history.text
    assert "reden van aanmelding" in history.text and "geplaatst" in history.text
    client.cookies.clear()
    signed_in(test_settings, client, cast.coordinator_b)
    assert client.get(f"/aanmeldingen/{seed['referral_id']}/wijzigingen").status_code == 404
    client.cookies.clear()
    signed_in(test_settings, client, cast.admin)
    assert client.get(f"/aanmeldingen/{seed['referral_id']}/wijzigingen").status_code == 403


def test_every_field_of_an_audited_table_has_a_dutch_name():
    bookkeeping = {"created_at", "updated_at", "sa_orm_sentinel"}
    unnamed = {
        f"{name}.{column.name}"
        for name, _ in audited_tables()
        for column in metadata.tables[name].columns
        if column.name not in bookkeeping and column.name not in FIELD_LABELS_NL
    }
    assert unnamed == set()
