"""The staff member's own locations, narrowed to one when asked for: a location that is not theirs gives none."""

from __future__ import annotations

from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from huiskamer.auth.actor import Actor
from huiskamer.auth.models import Role

ids = st.uuids()


@given(st.frozensets(ids, max_size=5), ids)
def test_own_locations_never_holds_another_location(own, other):
    actor = Actor(id=uuid4(), email="k@example.nl", name="K", role=Role.COORDINATOR, location_ids=own)
    assert sorted(actor.own_locations(), key=str) == sorted(own, key=str)
    assert actor.own_locations(other) == ([other] if other in own else [])
    for location_id in own:
        assert actor.own_locations(location_id) == [location_id]


def test_no_locations_gives_nothing_to_find():
    actor = Actor(id=uuid4(), email="w@example.nl", name="W", role=Role.YOUTH_WORKER)
    assert actor.own_locations() == [] and actor.own_locations(UUID(int=1)) == []
