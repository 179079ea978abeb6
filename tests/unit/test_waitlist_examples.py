"""The waitlist policy by example: one worked case per factor, ties, age boundaries, proposals, the
explanation a parent reads, the coordinator's "waarom staat dit kind hier?", and input that is refused.

The date in question is Monday 7 September 2026 unless a test says otherwise; the location "hoven" takes
children of 4 to 12 and serves the neighbourhoods Stedenwijk and Muziekwijk.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import pytest

from huiskamer.waitlist import (
    Candidate,
    DuplicateCandidate,
    InvalidCandidate,
    InvalidLocation,
    InvalidPolicy,
    LocationSeats,
    PolicyConfig,
    Proposal,
    RankedEntry,
    UnknownCandidate,
    Urgency,
    WaitlistError,
    age_on,
    birthday,
    propose,
    rank,
    why_here,
)

ON = date(2026, 9, 7)


def days_ago(n: int) -> date:
    return ON - timedelta(days=n)


def child(
    id: str = "kind",
    *,
    waiting_days: int = 100,
    waiting_since: date | None = None,
    urgency: Urgency = Urgency.NORMAL,
    born: date = date(2018, 5, 1),
    neighbourhood: str | None = None,
    locations: tuple[str, ...] = ("hoven",),
    days: str = "mon tue wed",
    minimum_days: int | None = None,
    siblings_at: frozenset[str] = frozenset(),
) -> Candidate:
    requested = frozenset(days.split())
    return Candidate(
        id=id,
        waiting_since=waiting_since or days_ago(waiting_days),
        urgency=urgency,
        date_of_birth=born,
        neighbourhood=neighbourhood,
        location_ids=locations,
        requested_weekdays=requested,
        minimum_days=len(requested) if minimum_days is None else minimum_days,
        sibling_location_ids=siblings_at,
    )


def hoven(free: Mapping[str, int] | None = None, *, min_age: int = 4, max_age: int = 12) -> LocationSeats:
    return LocationSeats(
        id="hoven",
        neighbourhoods=frozenset({"Stedenwijk", "Muziekwijk"}),
        min_age=min_age,
        max_age=max_age,
        free_seats=free or {},
    )


def order(candidates: list[Candidate], on: date = ON, location: LocationSeats | None = None) -> list[str]:
    return [e.candidate_id for e in rank(candidates, location or hoven(), on)]


def only_entry(candidate: Candidate, config: PolicyConfig = PolicyConfig()) -> RankedEntry:
    (entry,) = rank([candidate], hoven(), ON, config)
    return entry


# ---------------------------------------------------------------------------------------------------------
# One worked case per factor


def test_waiting_counts_one_point_per_day_since_waiting_since() -> None:
    entry = only_entry(child(waiting_days=124))
    assert entry.score == 124
    assert entry.sentence == "Wacht 124 dagen"
    assert entry.waiting_since == date(2026, 5, 6)


def test_one_day_of_waiting_is_singular_and_none_is_zero_days() -> None:
    assert only_entry(child(waiting_days=1)).sentence == "Wacht 1 dag"
    assert only_entry(child(waiting_days=0)).sentence == "Wacht 0 dagen"


def test_waiting_since_after_the_date_counts_zero_days_not_negative() -> None:
    entry = only_entry(child(waiting_since=ON + timedelta(days=10)))
    assert entry.score == 0
    assert entry.sentence == "Wacht 0 dagen"


def test_high_urgency_counts_as_90_days_and_elevated_as_30() -> None:
    high = only_entry(child(waiting_days=10, urgency=Urgency.HIGH))
    elevated = only_entry(child(waiting_days=10, urgency=Urgency.ELEVATED))
    assert (high.score, elevated.score) == (100, 40)
    assert high.sentence == "Wacht 10 dagen · urgentie hoog telt als 90 dagen"
    assert elevated.sentence == "Wacht 10 dagen · urgentie verhoogd telt als 30 dagen"


def test_a_sibling_placed_at_this_location_counts_30_days() -> None:
    entry = only_entry(child(waiting_days=10, siblings_at=frozenset({"hoven"})))
    assert entry.score == 40
    assert entry.sentence == "Wacht 10 dagen · broer of zus geplaatst op deze locatie: 30 dagen"


def test_a_sibling_placed_at_another_location_counts_nothing_here() -> None:
    assert only_entry(child(waiting_days=10, siblings_at=frozenset({"stedenwijk"}))).score == 10


def test_living_in_a_neighbourhood_the_location_serves_counts_14_days() -> None:
    entry = only_entry(child(waiting_days=10, neighbourhood="Muziekwijk"))
    assert entry.score == 24
    assert entry.sentence == "Wacht 10 dagen · woont in de wijk: 14 dagen"
    assert only_entry(child(waiting_days=10, neighbourhood="Haven")).score == 10
    assert only_entry(child(waiting_days=10, neighbourhood=None)).score == 10


def test_all_factors_add_up_in_the_explanation_a_parent_reads() -> None:
    entry = only_entry(
        child(
            waiting_days=124,
            urgency=Urgency.HIGH,
            neighbourhood="Stedenwijk",
            siblings_at=frozenset({"hoven"}),
        )
    )
    assert entry.score == 124 + 90 + 30 + 14
    assert [(p.factor, p.points) for p in entry.explanation] == [
        ("waiting", 124),
        ("urgency", 90),
        ("sibling", 30),
        ("neighbourhood", 14),
    ]
    assert entry.sentence == (
        "Wacht 124 dagen · urgentie hoog telt als 90 dagen · "
        "broer of zus geplaatst op deze locatie: 30 dagen · woont in de wijk: 14 dagen"
    )


def test_the_example_sentence_of_the_issue() -> None:
    entry = only_entry(child(waiting_days=124, urgency=Urgency.HIGH, neighbourhood="Stedenwijk"))
    assert entry.sentence == "Wacht 124 dagen · urgentie hoog telt als 90 dagen · woont in de wijk: 14 dagen"


def test_the_beheerder_can_change_the_weights_and_a_zero_weight_is_not_mentioned() -> None:
    config = PolicyConfig(urgency_elevated=10, urgency_high=60, sibling=0, neighbourhood=7)
    entry = only_entry(
        child(waiting_days=5, urgency=Urgency.HIGH, neighbourhood="Stedenwijk", siblings_at=frozenset({"hoven"})),
        config,
    )
    assert entry.score == 5 + 60 + 7
    assert entry.sentence == "Wacht 5 dagen · urgentie hoog telt als 60 dagen · woont in de wijk: 7 dagen"


def test_the_default_weights_are_those_of_the_policy() -> None:
    config = PolicyConfig()
    assert (config.urgency_normal, config.urgency_elevated, config.urgency_high) == (0, 30, 90)
    assert (config.sibling, config.neighbourhood) == (30, 14)
    assert config.max_bonus == 134
    assert [config.urgency_points(u) for u in Urgency] == [0, 30, 90]


def test_a_location_takes_children_of_4_to_12_by_default() -> None:
    location = LocationSeats(id="hoven", neighbourhoods=frozenset())
    assert (location.min_age, location.max_age) == (4, 12)
    assert dict(location.free_seats) == {}


# ---------------------------------------------------------------------------------------------------------
# Order and ties


def test_the_highest_score_comes_first() -> None:
    candidates = [
        child("lang", waiting_days=200),
        child("urgent", waiting_days=150, urgency=Urgency.HIGH),  # 240
        child("kort", waiting_days=20),
    ]
    assert order(candidates) == ["urgent", "lang", "kort"]


def test_on_equal_score_the_child_waiting_longest_comes_first() -> None:
    candidates = [
        child("later", waiting_days=90, urgency=Urgency.ELEVATED),  # 90 + 30 = 120
        child("eerder", waiting_days=120),  # 120
    ]
    ranking = rank(candidates, hoven(), ON)
    assert [e.score for e in ranking] == [120, 120]
    assert [e.candidate_id for e in ranking] == ["eerder", "later"]


def test_on_equal_score_and_date_the_smaller_id_comes_first_whatever_the_input_order() -> None:
    b, a, c = child("b", waiting_days=50), child("a", waiting_days=50), child("c", waiting_days=50)
    assert order([b, a, c]) == ["a", "b", "c"]
    assert order([c, b, a]) == ["a", "b", "c"]
    assert [e.rank for e in rank([c, b, a], hoven(), ON)] == [1, 2, 3]


def test_a_child_joining_more_than_134_days_later_cannot_overtake() -> None:
    early = child("vroeg", waiting_days=300)
    late_with_everything = child(
        "laat",
        waiting_days=300 - 135,
        urgency=Urgency.HIGH,
        neighbourhood="Stedenwijk",
        siblings_at=frozenset({"hoven"}),
    )
    assert order([late_with_everything, early]) == ["vroeg", "laat"]
    just_within = child(
        "laat",
        waiting_days=300 - 134,
        urgency=Urgency.HIGH,
        neighbourhood="Stedenwijk",
        siblings_at=frozenset({"hoven"}),
    )
    # 166 + 134 = 300: equal score, and the earlier waiting_since still goes first.
    assert order([just_within, early]) == ["vroeg", "laat"]


def test_only_children_that_listed_the_location_are_ranked_there() -> None:
    candidates = [child("hier"), child("elders", locations=("stedenwijk",)), child("beide", locations=("x", "hoven"))]
    assert sorted(order(candidates)) == ["beide", "hier"]


# ---------------------------------------------------------------------------------------------------------
# Age boundaries


def test_a_child_turning_4_on_the_date_is_ranked_and_one_turning_4_the_next_day_is_not() -> None:
    four_today = child("vier", born=date(2022, 9, 7))
    four_tomorrow = child("bijna", born=date(2022, 9, 8))
    assert age_on(four_today.date_of_birth, ON) == 4
    assert age_on(four_tomorrow.date_of_birth, ON) == 3
    assert order([four_today, four_tomorrow]) == ["vier"]


def test_a_child_of_12_years_and_364_days_is_still_12_and_ranked() -> None:
    almost_13 = child("twaalf", born=date(2013, 9, 8))
    assert age_on(almost_13.date_of_birth, ON) == 12
    assert order([almost_13]) == ["twaalf"]


def test_a_child_turning_13_on_the_date_is_not_ranked() -> None:
    thirteen_today = child("dertien", born=date(2013, 9, 7))
    assert age_on(thirteen_today.date_of_birth, ON) == 13
    assert order([thirteen_today]) == []


def test_a_child_born_on_29_february_has_its_birthday_on_1_march_in_other_years() -> None:
    leap_child = date(2020, 2, 29)
    assert birthday(leap_child, 4) == date(2024, 2, 29)
    assert birthday(leap_child, 5) == date(2025, 3, 1)
    assert age_on(leap_child, date(2024, 2, 28)) == 3
    assert age_on(leap_child, date(2024, 2, 29)) == 4
    assert age_on(leap_child, date(2025, 2, 28)) == 4
    assert age_on(leap_child, date(2025, 3, 1)) == 5


def test_a_29_february_child_enters_and_leaves_the_age_range_on_1_march_in_a_non_leap_year() -> None:
    turns_5 = child("vijf", born=date(2020, 2, 29))
    turns_13 = child("dertien", born=date(2012, 2, 29))
    five_to_twelve = hoven(min_age=5, max_age=12)
    assert order([turns_5, turns_13], date(2025, 2, 28), five_to_twelve) == ["dertien"]
    assert order([turns_5, turns_13], date(2025, 3, 1), five_to_twelve) == ["vijf"]


def test_a_29_february_child_turns_4_on_29_february_in_a_leap_year() -> None:
    leap = child("schrikkel", born=date(2020, 2, 29))
    assert order([leap], date(2024, 2, 28)) == []
    assert order([leap], date(2024, 2, 29)) == ["schrikkel"]


def test_on_29_february_a_child_born_on_1_march_thirteen_years_earlier_is_still_12() -> None:
    # Its 13th birthday is 1 March 2024, the day after; 29 February 2011 does not exist.
    born_1_march = child("maart", born=date(2011, 3, 1))
    born_28_february = child("februari", born=date(2011, 2, 28))
    assert age_on(born_1_march.date_of_birth, date(2024, 2, 29)) == 12
    assert age_on(born_28_february.date_of_birth, date(2024, 2, 29)) == 13
    assert order([born_1_march, born_28_february], date(2024, 2, 29)) == ["maart"]


def test_a_location_with_another_age_range_uses_its_own_bounds_inclusive() -> None:
    candidates = [child("zes", born=date(2020, 9, 7)), child("negen", born=date(2016, 9, 8))]
    assert order(candidates, location=hoven(min_age=6, max_age=9)) == ["negen", "zes"]  # equal score and date: id
    assert order(candidates, location=hoven(min_age=7, max_age=8)) == []


# ---------------------------------------------------------------------------------------------------------
# Proposals


def test_a_child_asking_three_days_with_minimum_two_gets_the_two_that_are_free() -> None:
    proposals = propose([child("kind", days="mon tue wed", minimum_days=2)], hoven({"mon": 1, "tue": 1}), ON)
    assert proposals == [Proposal("kind", frozenset({"mon", "tue"}))]


def test_a_child_asking_three_days_with_minimum_three_gets_nothing_and_the_next_child_gets_the_seats() -> None:
    first = child("eerste", waiting_days=300, days="mon tue wed", minimum_days=3)
    second = child("tweede", waiting_days=100, days="mon tue", minimum_days=1)
    proposals = propose([first, second], hoven({"mon": 1, "tue": 1}), ON)
    assert proposals == [Proposal("tweede", frozenset({"mon", "tue"}))]


def test_each_child_gets_every_requested_day_still_free_not_just_its_minimum() -> None:
    proposals = propose(
        [child("kind", days="mon tue wed thu", minimum_days=1)], hoven(dict.fromkeys(["mon", "tue", "wed"], 3)), ON
    )
    assert proposals == [Proposal("kind", frozenset({"mon", "tue", "wed"}))]


def test_seats_go_down_the_ranking_and_proposals_come_in_rank_order() -> None:
    candidates = [
        child("c", waiting_days=100, days="mon", minimum_days=1),
        child("a", waiting_days=300, days="mon tue", minimum_days=1),
        child("b", waiting_days=200, days="mon tue", minimum_days=1),
    ]
    proposals = propose(candidates, hoven({"mon": 2, "tue": 1}), ON)
    assert proposals == [
        Proposal("a", frozenset({"mon", "tue"})),
        Proposal("b", frozenset({"mon"})),
    ]


def test_a_weekday_missing_from_the_free_seats_has_no_seat() -> None:
    proposals = propose([child("kind", days="wed thu", minimum_days=1)], hoven({"mon": 5}), ON)
    assert proposals == []


def test_an_ineligible_child_is_not_proposed_even_with_seats_left() -> None:
    too_young = child("klein", born=date(2023, 1, 1), days="mon", minimum_days=1)
    assert propose([too_young], hoven({"mon": 5}), ON) == []


def test_propose_ranks_on_the_start_date() -> None:
    turns_4_later = child("later-vier", waiting_days=300, born=date(2022, 10, 1), days="mon", minimum_days=1)
    other = child("ander", waiting_days=10, days="mon", minimum_days=1)
    location = hoven({"mon": 1})
    assert propose([turns_4_later, other], location, ON) == [Proposal("ander", frozenset({"mon"}))]
    assert propose([turns_4_later, other], location, date(2026, 10, 1)) == [Proposal("later-vier", frozenset({"mon"}))]


def test_no_free_seats_means_no_proposals() -> None:
    assert propose([child()], hoven({"mon": 0, "tue": 0}), ON) == []
    assert propose([], hoven({"mon": 3}), ON) == []


# ---------------------------------------------------------------------------------------------------------
# "Waarom staat dit kind hier?"


def test_why_here_for_the_first_child() -> None:
    answer = why_here("a", [child("a", waiting_days=300), child("b", waiting_days=10)], hoven(), ON)
    assert answer.entry is not None
    assert answer.entry.rank == 1
    assert answer.above is None
    assert answer.moves == ("Staat bovenaan: geen kind gaat voor.",)


def test_why_here_says_how_far_behind_the_child_above_and_what_each_factor_would_do() -> None:
    candidates = [
        child("a", waiting_days=300),  # 300
        child("b", waiting_days=250, neighbourhood="Stedenwijk"),  # 264
        child("c", waiting_days=200),  # 200
    ]
    answer = why_here("c", candidates, hoven(), ON)
    assert answer.entry is not None
    assert answer.above is not None
    assert (answer.entry.rank, answer.above.candidate_id) == (3, "b")
    assert (answer.points_behind, answer.points_needed, answer.days_to_pass) == (64, 65, None)
    assert answer.moves == (
        "Staat 64 dagen achter nummer 2 (200 tegen 264); 65 dagen meer is genoeg om erboven te komen.",
        "Wachten alleen brengt het kind niet boven nummer 2: dat kind wacht even lang mee.",
        "Urgentie verhoogd zou +30 dagen tellen: dan nog steeds nummer 3.",
        "Urgentie hoog zou +90 dagen tellen: dan nummer 2.",
        "Een plaatsing van een broer of zus op deze locatie telt 30 dagen: dan nog steeds nummer 3.",
        "Woont niet in een wijk van deze locatie; dat zou 14 dagen tellen: dan nog steeds nummer 3.",
    )


def test_why_here_explains_a_tie_lost_on_the_date() -> None:
    candidates = [
        child("eerder", waiting_days=120),
        child("later", waiting_days=90, urgency=Urgency.ELEVATED),
    ]
    answer = why_here("later", candidates, hoven(), ON)
    assert (answer.points_behind, answer.points_needed) == (0, 1)
    assert answer.moves[0] == (
        "Heeft dezelfde score als nummer 1 (120); dat kind gaat voor omdat het eerder op de wachtlijst staat. "
        "1 dag meer is genoeg om erboven te komen."
    )
    assert "Urgentie hoog zou +60 dagen tellen: dan nummer 1." in answer.moves


def test_why_here_counts_the_days_until_waiting_passes_a_child_that_is_not_yet_waiting() -> None:
    # "vooruit" is entered with a waiting_since ten days from now and high urgency: 90 points, not growing
    # until then. "nu" has waited 85 days and gains a day on it every day until "vooruit" starts counting.
    candidates = [
        child("vooruit", waiting_since=ON + timedelta(days=10), urgency=Urgency.HIGH),
        child("nu", waiting_days=85),
    ]
    answer = why_here("nu", candidates, hoven(), ON)
    # 90 against 85; on an equal score "nu" goes first (it joined earlier), so 5 days are enough.
    assert (answer.points_behind, answer.points_needed, answer.days_to_pass) == (5, 5, 5)
    assert "Over 5 dagen staat het kind boven nummer 1, als verder niets verandert." in answer.moves
    assert order(candidates, ON + timedelta(days=4)) == ["vooruit", "nu"]
    assert order(candidates, ON + timedelta(days=5)) == ["nu", "vooruit"]


def test_why_here_for_a_child_that_is_too_young_says_when_it_can_come() -> None:
    answer = why_here("klein", [child("klein", born=date(2023, 1, 15))], hoven(), ON)
    assert answer.entry is None
    assert answer.reasons == ("Is op 7 september 2026 3 jaar; deze locatie neemt kinderen van 4 tot en met 12 jaar.",)
    assert answer.moves == ("Wordt 4 op 15 januari 2027; komt vanaf dan in aanmerking.",)


def test_why_here_for_a_child_that_is_too_old_or_did_not_list_the_location() -> None:
    too_old = why_here("oud", [child("oud", born=date(2013, 1, 1))], hoven(), ON)
    assert too_old.reasons == ("Is op 7 september 2026 13 jaar; deze locatie neemt kinderen van 4 tot en met 12 jaar.",)
    elsewhere = why_here("elders", [child("elders", locations=("stedenwijk",))], hoven(), ON)
    assert elsewhere.reasons == ("Deze locatie staat niet bij de locaties die de ouders acceptabel vinden.",)
    assert elsewhere.moves == ("Komt in aanmerking als de ouders deze locatie toevoegen.",)


def test_why_here_about_a_child_that_is_not_on_the_list_is_refused() -> None:
    with pytest.raises(UnknownCandidate, match="'onbekend'"):
        why_here("onbekend", [child("a")], hoven(), ON)


# ---------------------------------------------------------------------------------------------------------
# Refused input: a clear exception, never a wrong answer


@pytest.mark.parametrize("minimum_days", [0, -1, 4])
def test_minimum_days_outside_1_to_the_requested_days_is_refused(minimum_days: int) -> None:
    with pytest.raises(InvalidCandidate, match="minimum_days must be a whole number from 1 to 3") as caught:
        child(days="mon tue wed", minimum_days=minimum_days)
    assert caught.value.field == "minimum_days"


def test_an_unknown_weekday_is_refused() -> None:
    with pytest.raises(InvalidCandidate, match="unknown weekday 'maa'"):
        child(days="maa tue")


def test_no_requested_weekdays_is_refused() -> None:
    with pytest.raises(InvalidCandidate, match="requested_weekdays is empty"):
        child(days="", minimum_days=1)


def test_weekdays_given_as_one_string_are_refused_not_split_into_letters() -> None:
    with pytest.raises(InvalidCandidate, match="requested_weekdays must be a collection"):
        Candidate("a", ON, Urgency.NORMAL, date(2018, 1, 1), None, ("hoven",), "mon", 1)  # type: ignore[arg-type]


def test_an_unknown_urgency_is_refused_and_its_name_is_accepted() -> None:
    with pytest.raises(InvalidCandidate, match="unknown urgency 'urgent'"):
        child(urgency="urgent")  # type: ignore[arg-type]
    assert child(urgency="high").urgency is Urgency.HIGH  # type: ignore[arg-type]


def test_a_datetime_instead_of_a_date_is_refused() -> None:
    with pytest.raises(InvalidCandidate, match="waiting_since must be a date"):
        child(waiting_since=datetime(2026, 1, 1, 12, 0))
    with pytest.raises(WaitlistError, match="on must be a date"):
        rank([child()], hoven(), datetime(2026, 9, 7, 9, 0))


def test_a_negative_seat_count_is_refused() -> None:
    with pytest.raises(InvalidLocation, match="free seats on mon must be a whole number of 0 or more, got -1"):
        hoven({"mon": -1})


def test_an_unknown_weekday_in_the_free_seats_is_refused() -> None:
    with pytest.raises(InvalidLocation, match="unknown weekday 'maandag'"):
        hoven({"maandag": 2})


def test_an_age_range_upside_down_is_refused() -> None:
    with pytest.raises(InvalidLocation, match="min_age 12 is above max_age 4"):
        hoven(min_age=12, max_age=4)


@pytest.mark.parametrize("weight", ["urgency_normal", "urgency_elevated", "urgency_high", "sibling", "neighbourhood"])
def test_a_negative_weight_is_refused(weight: str) -> None:
    with pytest.raises(InvalidPolicy, match=f"weight {weight} must not be negative"):
        PolicyConfig(**{weight: -1})


def test_an_urgency_weight_below_a_lower_urgency_is_refused() -> None:
    with pytest.raises(InvalidPolicy, match="must not decrease"):
        PolicyConfig(urgency_elevated=100, urgency_high=90)


def test_the_same_child_twice_is_refused() -> None:
    with pytest.raises(DuplicateCandidate, match="'a' appears more than once"):
        rank([child("a"), child("a", waiting_days=5)], hoven(), ON)
    with pytest.raises(DuplicateCandidate):
        propose([child("a"), child("a")], hoven({"mon": 1}), ON)


def test_every_refusal_is_a_value_error() -> None:
    for error in (InvalidCandidate, InvalidLocation, InvalidPolicy, DuplicateCandidate, UnknownCandidate):
        assert issubclass(error, WaitlistError)
    assert issubclass(WaitlistError, ValueError)


def test_a_location_keeps_its_own_copy_of_the_free_seats() -> None:
    seats = {"mon": 1}
    location = hoven(seats)
    seats["mon"] = 5
    assert location.free_seats["mon"] == 1
    with pytest.raises(TypeError):
        location.free_seats["mon"] = 3  # type: ignore[index]
