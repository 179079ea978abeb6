"""The access log's hash worked out in two steps (the part without the place before SQLite's writers' turn, the
place added inside it) is byte for byte the hash ``verify`` recomputes from the stored entry."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from huiskamer.audit.chain import GENESIS, access_hash, access_hash_at, access_tail

ENTRIES = st.fixed_dictionaries(
    {
        "at": st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
        "user_id": st.uuids(),
        "user_label": st.text(max_size=40),
        "role": st.sampled_from(["coordinator", "youth_worker", "admin", "referrer"]),
        "child_id": st.uuids(),
        "action": st.sampled_from(["read", "change", "export", "print"]),
        "what": st.text(max_size=200),
    }
)


@given(entries=st.lists(ENTRIES, min_size=1, max_size=5), start=st.integers(min_value=0, max_value=10**12))
def test_the_hash_from_the_tail_equals_the_hash_of_the_stored_entry(entries, start):
    previous_one = previous_two = GENESIS
    for seq, values in enumerate(entries, start=start + 1):
        previous_one = access_hash(previous_one, {**values, "seq": seq})
        previous_two = access_hash_at(previous_two, seq, access_tail(values))
        assert previous_one == previous_two
