"""The properties of the waitlist policy (../shared/docs/waitlist-policy.md, 1-9), checked with hypothesis.

Each test's docstring states the law it checks. The inputs look like a real waitlist squeezed small: many
children and few seats, so that choices matter; ties on score and on date; every urgency; siblings and
neighbourhoods; dates of birth right around the 4th and 13th birthday (and 29 February) on the date in
question; several weekdays with minimum days.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from huiskamer.waitlist import (
    Candidate,
    LocationSeats,
    PolicyConfig,
    Proposal,
    RankedEntry,
    Urgency,
    age_on,
    propose,
    rank,
    why_here,
)
from tests.unit import waitlist_reference as reference

# More examples than the run-wide profile: see tests/unit/conftest.py.
unit = settings(settings.get_profile("unit"))

LOCATION_ID = "L"
OTHER_LOCATIONS = ("M", "N")
NEIGHBOURHOODS = ("Noord", "Zuid", "Centrum", "Haven")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat")

# Dates around 29 February in leap and other years, and ordinary ones.
SPECIAL_DAYS = (
    date(2024, 2, 28),
    date(2024, 2, 29),
    date(2024, 3, 1),
    date(2025, 2, 28),
    date(2025, 3, 1),
    date(2026, 9, 7),
    date(2028, 2, 29),
)
days_in_question = st.one_of(st.sampled_from(SPECIAL_DAYS), st.dates(date(2021, 1, 1), date(2030, 12, 31)))
# Differences between the bonuses of two children under the default weights: waiting dates this far apart
# give equal scores, so that ties on score are broken by the date.
BONUS_STEPS = (0, 14, 16, 30, 44, 46, 60, 74, 76, 90, 104, 120, 134)


def years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return date(on.year - years, 2, 28)


@st.composite
def dates_of_birth(draw: st.DrawFn, on: date) -> date:
    """Many aged 4 to 12 on ``on``; the rest within a day or three of a 3rd to 5th or 11th to 13th birthday
    on ``on``, born around 1 March of those years, or born on 29 February."""
    kind = draw(st.sampled_from(("inside", "inside", "near", "near", "march", "leap")))
    if kind == "inside":
        return years_before(on, 4) - timedelta(days=draw(st.integers(0, 9 * 365)))
    years = draw(st.sampled_from((3, 4, 5, 11, 12, 13)))
    if kind == "near":
        shift = draw(st.one_of(st.sampled_from((-1, 0, 0, 1)), st.integers(-3, 3)))
        return years_before(on, years) + timedelta(days=shift)
    if kind == "march":
        year = on.year - years
        return draw(st.sampled_from([date(year, 2, 28), date(year, 3, 1), *leap_day_in(year)]))
    leap_years = [y for y in range(on.year - 14, on.year - 2) if y % 4 == 0]
    return date(draw(st.sampled_from(leap_years)), 2, 29)


def leap_day_in(year: int) -> list[date]:
    try:
        return [date(year, 2, 29)]
    except ValueError:
        return []


@st.composite
def configs(draw: st.DrawFn) -> PolicyConfig:
    if draw(st.booleans()):
        return PolicyConfig()
    normal, elevated, high = sorted(draw(st.lists(st.integers(0, 120), min_size=3, max_size=3)))
    return PolicyConfig(
        urgency_normal=normal,
        urgency_elevated=elevated,
        urgency_high=high,
        sibling=draw(st.integers(0, 60)),
        neighbourhood=draw(st.integers(0, 30)),
    )


@st.composite
def locations(draw: st.DrawFn) -> LocationSeats:
    if draw(st.booleans()):
        min_age, max_age = 4, 12
    else:
        min_age = draw(st.integers(0, 8))
        max_age = draw(st.integers(min_age, 14))
    return LocationSeats(
        id=LOCATION_ID,
        neighbourhoods=draw(st.frozensets(st.sampled_from(NEIGHBOURHOODS), max_size=3)),
        min_age=min_age,
        max_age=max_age,
        free_seats=draw(st.dictionaries(st.sampled_from(WEEKDAYS), st.integers(0, 3), min_size=1)),
    )


@st.composite
def candidate_lists(draw: st.DrawFn, on: date, max_size: int = 20) -> list[Candidate]:
    """Children with unique ids; waiting_since often shared or a bonus apart (ties on date and on score),
    sometimes after ``on``."""
    size = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.text("abcxyz", min_size=1, max_size=3), unique=True, min_size=size, max_size=size))
    base = draw(st.integers(-30, 400))
    shared_offsets = [base, *(base + step for step in draw(st.lists(st.sampled_from(BONUS_STEPS), max_size=3)))]
    offsets = st.one_of(st.sampled_from(shared_offsets), st.integers(-30, 500))
    out = []
    for candidate_id in ids:
        requested = draw(st.frozensets(st.sampled_from(WEEKDAYS), min_size=1, max_size=5))
        location_ids = draw(
            st.one_of(
                st.just((LOCATION_ID,)),
                st.lists(st.sampled_from((LOCATION_ID, *OTHER_LOCATIONS)), unique=True).map(tuple),
            )
        )
        out.append(
            Candidate(
                id=candidate_id,
                waiting_since=on - timedelta(days=draw(offsets)),
                urgency=draw(st.sampled_from(Urgency)),
                date_of_birth=draw(dates_of_birth(on)),
                neighbourhood=draw(st.sampled_from((None, *NEIGHBOURHOODS))),
                location_ids=location_ids,
                requested_weekdays=requested,
                minimum_days=draw(st.integers(1, len(requested))),
                sibling_location_ids=draw(st.frozensets(st.sampled_from((LOCATION_ID, "M")))),
            )
        )
    return out


@st.composite
def waitlists(draw: st.DrawFn, max_size: int = 20) -> tuple[list[Candidate], LocationSeats, date, PolicyConfig]:
    """A waitlist, a location, a date and weights; with a few rivals that tie with another child on score
    but not on date (other factors, and waiting days to match)."""
    on = draw(days_in_question)
    candidates, location, config = draw(candidate_lists(on, max_size)), draw(locations()), draw(configs())
    rivals = st.tuples(st.integers(0, max_size), st.sampled_from(Urgency), st.booleans(), st.booleans())
    for number, (pick, urgency, sibling, local) in enumerate(draw(st.lists(rivals, max_size=3))):
        if not candidates:
            break
        model = candidates[pick % len(candidates)]
        rival = dataclasses.replace(
            model,
            id=f"{model.id}-{number}",
            urgency=urgency,
            sibling_location_ids=frozenset({LOCATION_ID}) if sibling else frozenset(),
            neighbourhood=min(location.neighbourhoods) if local and location.neighbourhoods else None,
        )
        extra = reference.score(rival, location, on, config) - reference.score(model, location, on, config)
        candidates.append(dataclasses.replace(rival, waiting_since=rival.waiting_since + timedelta(days=extra)))
    return candidates, location, on, config


def order_key(entry: RankedEntry) -> tuple[int, date, str]:
    return -entry.score, entry.waiting_since, entry.candidate_id


def seats_used(proposals: list[Proposal]) -> Counter[str]:
    return Counter(day for p in proposals for day in p.weekdays)


# ---------------------------------------------------------------------------------------------------------
# 1-9


@unit
@given(waitlists(), st.data())
def test_1_the_same_input_in_any_order_gives_the_same_ranking_and_proposals(world, data) -> None:
    """Deterministic: the same input gives the same output, and the order of the input does not matter.
    The input is left as it was (the location's free seats too)."""
    candidates, location, on, config = world
    seats = dict(location.free_seats)
    shuffled = data.draw(st.permutations(candidates))
    assert rank(candidates, location, on, config) == rank(candidates, location, on, config)
    assert rank(shuffled, location, on, config) == rank(candidates, location, on, config)
    assert propose(shuffled, location, on, config) == propose(candidates, location, on, config)
    assert propose(iter(shuffled), location, on, config) == propose(candidates, location, on, config)
    assert dict(location.free_seats) == seats


@unit
@given(waitlists())
def test_2_proposals_never_exceed_the_free_seats_on_any_weekday(world) -> None:
    """Capacity safe: on no weekday do the proposals together take more seats than are free (a weekday
    missing from free_seats has none), and each child is only proposed days it asked for."""
    candidates, location, on, config = world
    proposals = propose(candidates, location, on, config)
    asked = {c.id: c.requested_weekdays for c in candidates}
    for day, used in seats_used(proposals).items():
        assert used <= location.free_seats.get(day, 0), day
    for proposal in proposals:
        assert proposal.weekdays <= asked[proposal.candidate_id]
    assert len({p.candidate_id for p in proposals}) == len(proposals)


@unit
@given(waitlists())
def test_3_only_eligible_children_are_ranked_or_proposed(world) -> None:
    """Eligible only: a child is ranked exactly when the location is among its acceptable ones and its age
    in completed years on the date lies within the location's range (boundaries included); only ranked
    children are proposed."""
    candidates, location, on, config = world
    eligible = {c.id for c in candidates if reference.is_eligible(c, location, on)}
    ranked = [e.candidate_id for e in rank(candidates, location, on, config)]
    assert len(ranked) == len(set(ranked))
    assert set(ranked) == eligible
    assert {p.candidate_id for p in propose(candidates, location, on, config)} <= eligible


@st.composite
def children_at_an_age_boundary(draw: st.DrawFn) -> tuple[date, date, LocationSeats]:
    """A date, a date of birth a few days from a birthday on it (or around 29 February), and a location."""
    on = draw(days_in_question)
    year = on.year - draw(st.integers(2, 15))
    born = draw(
        st.one_of(
            st.sampled_from([date(year, 2, 28), date(year, 3, 1), *leap_day_in(year)]),
            st.integers(-2, 2).map(lambda shift: years_before(on, on.year - year) + timedelta(days=shift)),
        )
    )
    min_age = draw(st.integers(2, 13))
    location = LocationSeats(LOCATION_ID, frozenset(), min_age, draw(st.integers(min_age, 14)), {"mon": 1})
    return on, born, location


@unit
@given(children_at_an_age_boundary())
def test_3_at_the_age_boundaries_a_child_is_ranked_exactly_when_its_age_is_in_range(case) -> None:
    """Eligible only, at the boundaries: age_on counts completed years like counting birthdays (29 February
    turning on 1 March in other years), and a child is ranked and proposed exactly when that age lies within
    the location's range, both ends included."""
    on, born, location = case
    assert age_on(born, on) == reference.age(born, on)
    child = Candidate("kind", on, Urgency.NORMAL, born, None, (LOCATION_ID,), frozenset({"mon"}), 1)
    in_range = location.min_age <= reference.age(born, on) <= location.max_age
    assert [e.candidate_id for e in rank([child], location, on)] == (["kind"] if in_range else [])
    assert [p.candidate_id for p in propose([child], location, on)] == (["kind"] if in_range else [])


@unit
@given(waitlists())
def test_4_a_child_that_is_not_proposed_could_not_have_been(world) -> None:
    """Priority respected: going down the ranking, a child that is not proposed had fewer than its
    minimum_days of its requested weekdays with a seat left after the children above it took theirs, and a
    child that is proposed got exactly the requested weekdays that still had a seat."""
    candidates, location, on, config = world
    by_id = {c.id: c for c in candidates}
    proposed = {p.candidate_id: p.weekdays for p in propose(candidates, location, on, config)}
    left = Counter({day: n for day, n in location.free_seats.items()})
    for entry in rank(candidates, location, on, config):
        child = by_id[entry.candidate_id]
        still_free = {day for day in child.requested_weekdays if left[day] > 0}
        if entry.candidate_id in proposed:
            assert proposed[entry.candidate_id] == still_free
            assert len(still_free) >= child.minimum_days
            left.subtract(still_free)
        else:
            assert len(still_free) < child.minimum_days


@unit
@given(waitlists())
def test_5_no_seat_stays_free_that_a_ranked_child_could_have_had(world) -> None:
    """Not wasteful: after proposing, no seat is left on a weekday a proposed child asked for but did not
    get, and no unproposed ranked child could reach its minimum_days even with every seat that is left."""
    candidates, location, on, config = world
    by_id = {c.id: c for c in candidates}
    proposals = propose(candidates, location, on, config)
    proposed = {p.candidate_id: p.weekdays for p in proposals}
    used = seats_used(proposals)
    left = {day: location.free_seats.get(day, 0) - used[day] for day in WEEKDAYS}
    for entry in rank(candidates, location, on, config):
        child = by_id[entry.candidate_id]
        if entry.candidate_id in proposed:
            for day in child.requested_weekdays - proposed[entry.candidate_id]:
                assert left[day] == 0, (entry.candidate_id, day)
        else:
            assert sum(1 for day in child.requested_weekdays if left[day] > 0) < child.minimum_days


@st.composite
def improvements(draw: st.DrawFn, child: Candidate, location: LocationSeats) -> Candidate:
    """The same child with more waiting time, a higher urgency, a sibling here or a neighbourhood match."""
    kind = draw(st.sampled_from(("waiting", "urgency", "sibling", "neighbourhood")))
    if kind == "waiting":
        earlier = child.waiting_since - timedelta(days=draw(st.integers(1, 400)))
        return dataclasses.replace(child, waiting_since=earlier)
    if kind == "urgency":
        order = list(Urgency)
        higher = order[order.index(child.urgency) :]
        return dataclasses.replace(child, urgency=draw(st.sampled_from(higher)))
    if kind == "sibling":
        return dataclasses.replace(child, sibling_location_ids=child.sibling_location_ids | {location.id})
    assume(location.neighbourhoods)
    return dataclasses.replace(child, neighbourhood=draw(st.sampled_from(sorted(location.neighbourhoods))))


@unit
@given(waitlists(), st.data())
def test_6_improving_a_childs_situation_never_moves_it_down(world, data) -> None:
    """Monotone: raising one child's waiting time or urgency, or adding a sibling or neighbourhood match,
    never moves it down the ranking; if it was proposed, it still is, with at least the same days."""
    candidates, location, on, config = world
    before = rank(candidates, location, on, config)
    assume(before)
    entry = data.draw(st.sampled_from(before))
    index = next(i for i, c in enumerate(candidates) if c.id == entry.candidate_id)
    better = data.draw(improvements(candidates[index], location))
    changed = [*candidates[:index], better, *candidates[index + 1 :]]

    after = {e.candidate_id: e for e in rank(changed, location, on, config)}
    assert after[entry.candidate_id].rank <= entry.rank
    assert after[entry.candidate_id].score >= entry.score
    proposed_before = {p.candidate_id: p.weekdays for p in propose(candidates, location, on, config)}
    proposed_after = {p.candidate_id: p.weekdays for p in propose(changed, location, on, config)}
    if entry.candidate_id in proposed_before:
        assert proposed_after[entry.candidate_id] >= proposed_before[entry.candidate_id]


@unit
@given(waitlists(), st.data())
def test_7_removing_a_child_leaves_the_order_of_the_others_unchanged(world, data) -> None:
    """Independent of others' presence: removing one child (eligible or not) leaves the relative order and
    the scores of all others unchanged."""
    candidates, location, on, config = world
    assume(candidates)
    gone = data.draw(st.sampled_from(candidates)).id
    before = [(e.candidate_id, e.score) for e in rank(candidates, location, on, config) if e.candidate_id != gone]
    after = [(e.candidate_id, e.score) for e in rank([c for c in candidates if c.id != gone], location, on, config)]
    assert after == before


@unit
@given(waitlists())
def test_8_a_child_that_joined_much_later_never_ranks_above(world) -> None:
    """Bounded overtaking: a child who joined the waitlist (by the date in question) more than highest
    urgency + sibling + neighbourhood days after another never ranks above it."""
    candidates, location, on, config = world
    bound = config.urgency_high + config.sibling + config.neighbourhood
    ranking = rank(candidates, location, on, config)
    for earlier, entry in enumerate(ranking):
        for later in ranking[earlier + 1 :]:
            # ``later`` ranks below ``entry``: ``entry`` must not have joined much later than it.
            if entry.waiting_since <= on:
                assert (entry.waiting_since - later.waiting_since).days <= bound


@unit
@given(waitlists())
def test_9_explanations_add_up_and_the_ranking_follows_the_stated_order(world) -> None:
    """Explained: each entry's explanation parts add up to its score, waiting time always comes first, no
    part counts zero points except waiting, the sentence is the labels joined by " · ", ranks run 1..n, and
    the ranking is sorted by highest score, then earliest waiting_since, then smallest id."""
    candidates, location, on, config = world
    ranking = rank(candidates, location, on, config)
    by_id = {c.id: c for c in candidates}
    assert [e.rank for e in ranking] == list(range(1, len(ranking) + 1))
    assert [order_key(e) for e in ranking] == sorted(order_key(e) for e in ranking)
    for entry in ranking:
        parts = entry.explanation
        assert sum(p.points for p in parts) == entry.score
        assert parts[0].factor == "waiting"
        assert parts[0].points == max(0, (on - by_id[entry.candidate_id].waiting_since).days)
        assert parts[0].label.startswith("Wacht ")
        assert all(p.points > 0 for p in parts[1:])
        assert len({p.factor for p in parts}) == len(parts)
        assert entry.sentence == " · ".join(p.label for p in parts)
        assert entry.waiting_since == by_id[entry.candidate_id].waiting_since


# ---------------------------------------------------------------------------------------------------------
# Against the reference model


@unit
@given(waitlists())
def test_rank_agrees_with_the_reference_model(world) -> None:
    """rank gives the same children, in the same order, with the same scores as the naive model."""
    candidates, location, on, config = world
    got = [(e.candidate_id, e.score) for e in rank(candidates, location, on, config)]
    assert got == reference.ranking(candidates, location, on, config)


@unit
@given(waitlists(max_size=30))
def test_propose_agrees_with_the_reference_model(world) -> None:
    """propose gives the same children, days and order as handing out seats one by one in the model."""
    candidates, location, on, config = world
    got = [(p.candidate_id, p.weekdays) for p in propose(candidates, location, on, config)]
    assert got == reference.proposals(candidates, location, on, config)


# ---------------------------------------------------------------------------------------------------------
# "Waarom staat dit kind hier?"


def beats(a: tuple[int, date, str], b: tuple[int, date, str]) -> bool:
    """Whether a child with (score, waiting_since, id) a ranks above one with b."""
    return (-a[0], a[1], a[2]) < (-b[0], b[1], b[2])


@unit
@given(waitlists(max_size=15), st.data())
def test_why_here_names_the_child_above_and_exactly_the_points_needed_to_pass_it(world, data) -> None:
    """why_here: the child above is the one ranked directly above; points_needed more points would put this
    child above it and one point fewer would not; days_to_pass, when given, is the first day on which the
    reference scores put it above, and when not given, waiting (up to two years) never does."""
    candidates, location, on, config = world
    ranking = rank(candidates, location, on, config)
    assume(ranking)
    entry = data.draw(st.sampled_from(ranking))
    answer = why_here(entry.candidate_id, candidates, location, on, config)
    assert answer.entry == entry
    assert answer.reasons == ()
    assert answer.moves
    if entry.rank == 1:
        assert answer.above is None
        assert answer.points_needed is None
        return
    above = ranking[entry.rank - 2]
    assert answer.above == above
    assert answer.points_behind == above.score - entry.score
    needed = answer.points_needed
    mine = (entry.score, entry.waiting_since, entry.candidate_id)
    theirs = (above.score, above.waiting_since, above.candidate_id)
    assert beats((entry.score + needed, *mine[1:]), theirs)
    assert not beats((entry.score + needed - 1, *mine[1:]), theirs)

    by_id = {c.id: c for c in candidates}
    me, other = by_id[entry.candidate_id], by_id[above.candidate_id]

    def passes_after(days: int) -> bool:
        later = on + timedelta(days=days)
        return beats(
            (reference.score(me, location, later, config), *mine[1:]),
            (reference.score(other, location, later, config), *theirs[1:]),
        )

    if answer.days_to_pass is None:
        assert not any(passes_after(days) for days in range(0, 731, 7))
        assert not passes_after(730)
    else:
        assert passes_after(answer.days_to_pass)
        assert not passes_after(answer.days_to_pass - 1)


@unit
@given(waitlists(max_size=15), st.data())
def test_why_here_explains_why_an_ineligible_child_is_not_ranked(world, data) -> None:
    """why_here for a child that is not ranked gives no entry and at least one reason."""
    candidates, location, on, config = world
    ranked = {e.candidate_id for e in rank(candidates, location, on, config)}
    outside = [c for c in candidates if c.id not in ranked]
    assume(outside)
    child = data.draw(st.sampled_from(outside))
    answer = why_here(child.id, candidates, location, on, config)
    assert answer.entry is None
    assert answer.above is None
    assert answer.reasons
