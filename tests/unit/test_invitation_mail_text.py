"""The invitation's text names the organisation when one is set, and reads well without one."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from huiskamer.auth.invitation_mail import invitation_text
from huiskamer.auth.models import User
from huiskamer.config import Settings

URL = "https://huiskamer.example/uitnodiging/abc"
UNTIL = datetime(2026, 9, 7, 10, 30, tzinfo=UTC)


def test_without_an_organisation_name_the_mail_names_none():
    user = User(email="a@test.example", name="Anna de Vries", role="coordinator", password_hash=None)
    subject, body = invitation_text(Settings(), user, URL, UNTIL)
    assert subject == "Uw account voor Huiskamer"
    assert "Er is een account voor u gemaakt in Huiskamer, als coördinator." in body
    assert "geldig tot 7 september 2026 om 12:30" in body, "in Amsterdamse tijd"
    assert "Met vriendelijke groet" not in body


def test_with_an_organisation_name_the_mail_says_who_invites_and_signs():
    user = User(email="a@test.example", name="Anna de Vries", role="referrer", password_hash=None)
    settings = dataclasses.replace(Settings(), organisation_name="Stichting De Schoor")
    _, body = invitation_text(settings, user, URL, UNTIL)
    assert "Stichting De Schoor heeft een account voor u gemaakt in Huiskamer, als verwijzer." in body
    assert body.rstrip().endswith("Met vriendelijke groet,\nStichting De Schoor")
    assert URL in body
