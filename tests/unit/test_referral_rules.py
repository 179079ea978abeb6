"""The life of a referral (domain.md) as pure rules, checked with hypothesis.

Each test's docstring states the law. A ``RuleBasedStateMachine`` walks a referral from ``submitted`` through
random moves (allowed and refused ones, withdrawals included) with a small model of its own: the current status
and the list of history entries; its invariants hold after every step.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from huiskamer.referrals import rules
from huiskamer.referrals.rules import (
    CLOSE_REASONS,
    HOLDS_SEATS,
    MOVES,
    NEEDS_OWN_ACTION,
    REJECT_REASONS,
    TERMINAL,
    WITHDRAWABLE,
    MoveRefused,
    MoveRequest,
    Status,
)

unit = settings(settings.get_profile("unit"))

statuses = st.sampled_from(list(Status))
non_terminal = st.sampled_from([s for s in Status if s not in TERMINAL])
terminal = st.sampled_from(sorted(TERMINAL))
PLANNED = datetime(2026, 9, 1, 13, 30, tzinfo=UTC)
reason_texts = st.one_of(st.none(), st.text(min_size=1, max_size=30))


def complete_request(to: Status, draw_code: str | None = None) -> MoveRequest:
    """A request with everything the move needs: a reason code (with text) and a planned time."""
    reasons = rules.REASONS_FOR.get(to)
    code = (draw_code or next(iter(reasons))) if reasons else None
    return MoveRequest(
        to=to,
        reason_code=code,
        reason="Toelichting van de coördinator." if code == "other" else None,
        planned_at=PLANNED if to is Status.INTAKE_PLANNED else None,
    )


def reachable_from(start: Status) -> set[Status]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in MOVES[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# --- the shape of the machine ---------------------------------------------------------------------


def test_every_status_has_its_moves_and_a_dutch_name():
    """Every status has an entry in MOVES (possibly empty) and a Dutch name; moves lead to known statuses."""
    assert set(MOVES) == set(Status)
    assert set(rules.STATUS_NAMES_NL) == set(Status)
    for targets in MOVES.values():
        assert targets <= set(Status)


def test_terminal_statuses_are_exactly_the_ones_without_moves():
    """Closed, rejected and withdrawn are the end; every other status still has somewhere to go."""
    assert {s for s in Status if not MOVES[s]} == TERMINAL == {Status.CLOSED, Status.REJECTED, Status.WITHDRAWN}


def test_every_status_is_reachable_from_submitted():
    """Every status of domain.md can occur: each is reachable from submitted by moves (withdrawal aside)."""
    assert reachable_from(Status.SUBMITTED) | {Status.WITHDRAWN} == set(Status)


def test_from_every_open_status_the_referral_can_still_end():
    """No dead end: from every non-terminal status a terminal status can be reached."""
    for status in Status:
        if status not in TERMINAL:
            assert reachable_from(status) & TERMINAL, status


def test_nothing_moves_back_to_submitted():
    """'submitted' is only where a referral begins; no move leads back to it."""
    assert all(Status.SUBMITTED not in targets for targets in MOVES.values())


def test_withdrawable_is_every_open_status_before_placed():
    """The referrer may withdraw 'at any point before geplaatst': every open status except placed."""
    assert set(Status) - TERMINAL - {Status.PLACED} == WITHDRAWABLE


def test_coordinator_actions_are_allowed_moves_without_own_action():
    """The buttons the coordinator sees are allowed moves, never those that need an intake, offer or placement."""
    for status in Status:
        actions = rules.coordinator_actions(status)
        assert set(actions) <= MOVES[status]
        assert not set(actions) & set(NEEDS_OWN_ACTION)
        assert actions == sorted(actions, key=list(Status).index)


# --- single moves --------------------------------------------------------------------------------


@unit
@given(current=terminal, to=statuses, code=st.one_of(st.none(), st.sampled_from([*CLOSE_REASONS, *REJECT_REASONS])))
def test_no_move_out_of_a_terminal_status(current, to, code):
    """From closed, rejected or withdrawn no move is allowed, whatever the request carries."""
    with pytest.raises(MoveRefused) as refused:
        rules.check_move(
            current, MoveRequest(to=to, reason_code=code, reason="x", planned_at=PLANNED), via_own_action=True
        )
    assert rules.status_name(current) in refused.value.message


@unit
@given(current=statuses, to=statuses, via_own_action=st.booleans())
def test_a_move_is_allowed_exactly_when_the_machine_has_it(current, to, via_own_action):
    """A complete request is accepted without problems iff MOVES has it and, for a plain change, the target needs
    no action of its own and the current status holds no seats; otherwise it is refused with a Dutch message."""
    plain_ok = to not in NEEDS_OWN_ACTION and current not in HOLDS_SEATS
    allowed = to in MOVES[current] and (via_own_action or plain_ok)
    request = complete_request(to)
    if allowed:
        assert rules.check_move(current, request, via_own_action=via_own_action) == {}
    else:
        with pytest.raises(MoveRefused) as refused:
            rules.check_move(current, request, via_own_action=via_own_action)
        assert refused.value.message


@unit
@given(current=non_terminal, to=st.sampled_from(sorted(NEEDS_OWN_ACTION)))
def test_moves_with_data_of_their_own_are_refused_as_a_plain_change(current, to):
    """Intake done, waitlisted, offered and placed need the intake, offer or placement: a bare change is refused."""
    with pytest.raises(MoveRefused):
        rules.check_move(current, complete_request(to))


@unit
@given(current=st.sampled_from(sorted(HOLDS_SEATS)), to=statuses)
def test_an_open_offer_or_a_placement_is_left_only_through_its_own_action(current, to):
    """Offered and placed hold seats: a plain status change is refused (with what to do instead), so that the
    seats are always freed by the offer's answer or the end of the placement."""
    with pytest.raises(MoveRefused) as refused:
        rules.check_move(current, complete_request(to))
    if to in MOVES[current] and to not in NEEDS_OWN_ACTION:
        assert refused.value.message == HOLDS_SEATS[current]
    assert rules.coordinator_actions(current) == []


@unit
@given(current=statuses)
def test_withdrawal_is_allowed_exactly_in_the_withdrawable_statuses(current):
    """Withdrawal succeeds in every status of WITHDRAWABLE and is refused once placed or ended."""
    if current in WITHDRAWABLE:
        rules.check_withdrawal(current)
    else:
        with pytest.raises(MoveRefused) as refused:
            rules.check_withdrawal(current)
        assert refused.value.message


def test_withdrawal_once_placed_says_to_message_the_coordinator():
    """A placed child cannot be withdrawn; the message says what the referrer can do instead."""
    with pytest.raises(MoveRefused, match="al geplaatst"):
        rules.check_withdrawal(Status.PLACED)


REASON_MOVES = [(s, t) for s in Status for t in MOVES[s] if t in rules.REASONS_FOR]


@unit
@given(move=st.sampled_from(REASON_MOVES), reason=reason_texts)
def test_rejecting_or_closing_needs_a_reason_code(move, reason):
    """Rejected and closed without a reason code: a problem on reason_code, never silently accepted."""
    current, to = move
    problems = rules.check_move(current, MoveRequest(to=to, reason=reason), via_own_action=True)
    assert set(problems) == {"reason_code"}


@unit
@given(move=st.sampled_from(REASON_MOVES), code=st.text(max_size=30), reason=reason_texts)
def test_the_reason_code_must_come_from_the_list_of_that_move(move, code, reason):
    """A reason code is accepted only from the list for that target (closing reasons for closed, rejection
    reasons for rejected); 'other' needs a reason text."""
    current, to = move
    problems = rules.check_move(current, MoveRequest(to=to, reason_code=code, reason=reason), via_own_action=True)
    listed = rules.REASONS_FOR[to]
    if code and code in listed and not (code == "other" and not reason):
        assert problems == {}
    elif code == "other":
        assert set(problems) == {"reason"}
    else:
        assert set(problems) == {"reason_code"}


def test_the_reason_lists_are_the_ones_of_the_api():
    """The codes are the contract of api-v1.md."""
    assert set(CLOSE_REASONS) == {
        "goals_reached",
        "moved_to_bso",
        "referred_to_youth_care",
        "moved_house",
        "aged_out",
        "guardian_stopped",
        "no_contact",
        "other",
    }
    assert set(REJECT_REASONS) == {
        "outside_target_group",
        "outside_area",
        "needs_specialist_care",
        "no_consent",
        "duplicate",
        "other",
    }


@unit
@given(current=st.sampled_from([s for s in Status if Status.INTAKE_PLANNED in MOVES[s]]))
def test_planning_the_intake_needs_a_date_and_time(current):
    """To intake_planned without planned_at: a problem on planned_at; with it, none."""
    assert set(rules.check_move(current, MoveRequest(to=Status.INTAKE_PLANNED))) == {"planned_at"}
    assert rules.check_move(current, MoveRequest(to=Status.INTAKE_PLANNED, planned_at=PLANNED)) == {}


@unit
@given(
    move=st.sampled_from([(s, t) for s in Status for t in MOVES[s] if t not in rules.REASONS_FOR]),
    code=st.sampled_from([*CLOSE_REASONS, *REJECT_REASONS]),
)
def test_a_reason_code_belongs_only_to_rejecting_and_closing(move, code):
    """A move that is neither rejecting nor closing refuses a reason code from the lists."""
    current, to = move
    request = MoveRequest(to=to, reason_code=code, planned_at=PLANNED)
    problems = rules.check_move(current, request, via_own_action=True)
    assert "reason_code" in problems


# --- a referral's whole life -----------------------------------------------------------------------


class ReferralLife(RuleBasedStateMachine):
    """A referral that starts as submitted and undergoes random moves. The model: its status and its history
    (one entry for the submission, one per accepted move). Refused moves change nothing."""

    @initialize()
    def submit(self) -> None:
        self.status = Status.SUBMITTED
        self.history: list[tuple[Status | None, Status]] = [(None, Status.SUBMITTED)]
        self.moves = 0

    def _accept(self, to: Status) -> None:
        self.history.append((self.status, to))
        self.status = to
        self.moves += 1

    @rule(data=st.data())
    def allowed_move(self, data: st.DataObject) -> None:
        """A move the machine allows, with everything it needs, is accepted."""
        targets = sorted(MOVES[self.status])
        if not targets:
            return
        to = data.draw(st.sampled_from(targets))
        reasons = rules.REASONS_FOR.get(to)
        code = data.draw(st.sampled_from(sorted(reasons))) if reasons else None
        assert rules.check_move(self.status, complete_request(to, code), via_own_action=True) == {}
        self._accept(to)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """A step further along the life (a target that is not the end), so that walks reach placed and beyond."""
        targets = sorted(MOVES[self.status] - TERMINAL)
        if not targets:
            return
        to = data.draw(st.sampled_from(targets))
        assert rules.check_move(self.status, complete_request(to), via_own_action=True) == {}
        self._accept(to)

    @rule(to=statuses)
    def any_move(self, to: Status) -> None:
        """Any move at all: accepted exactly when MOVES allows it; a refusal leaves status and history alone."""
        try:
            problems = rules.check_move(self.status, complete_request(to), via_own_action=True)
        except MoveRefused:
            assert to not in MOVES[self.status]
            return
        assert to in MOVES[self.status]
        assert problems == {}
        self._accept(to)

    @rule(to=statuses, code=st.one_of(st.none(), st.sampled_from([*CLOSE_REASONS, *REJECT_REASONS])))
    def incomplete_move(self, to: Status, code: str | None) -> None:
        """A move without its planned time or reason text is refused or has problems; nothing changes."""
        request = MoveRequest(to=to, reason_code=code)
        try:
            problems = rules.check_move(self.status, request, via_own_action=True)
        except MoveRefused:
            return
        if problems:
            return
        # Nothing missing: a move that needs no extras, or a reason code that needs no text.
        assert to is not Status.INTAKE_PLANNED
        assert (to in rules.REASONS_FOR) == (code is not None)
        self._accept(to)

    @rule()
    def withdraw(self) -> None:
        """The referrer withdraws: allowed before placed, refused once placed or ended."""
        try:
            rules.check_withdrawal(self.status)
        except MoveRefused:
            assert self.status not in WITHDRAWABLE
            return
        assert self.status in WITHDRAWABLE
        self._accept(Status.WITHDRAWN)

    @precondition(lambda self: self.status in TERMINAL)
    @rule(to=statuses)
    def nothing_leaves_the_end(self, to: Status) -> None:
        """Once ended, every move and the withdrawal are refused."""
        with pytest.raises(MoveRefused):
            rules.check_move(self.status, complete_request(to), via_own_action=True)
        with pytest.raises(MoveRefused):
            rules.check_withdrawal(self.status)

    @invariant()
    def status_is_valid(self) -> None:
        """The status is always one of the statuses of domain.md."""
        assert self.status in set(Status)

    @invariant()
    def every_move_leaves_one_history_entry(self) -> None:
        """The history begins with the submission and has one entry per accepted move."""
        assert len(self.history) == self.moves + 1
        assert self.history[0] == (None, Status.SUBMITTED)
        assert self.history[-1][1] == self.status

    @invariant()
    def the_history_is_a_chain_of_allowed_steps(self) -> None:
        """Each entry starts where the previous one ended, by a move of MOVES or a withdrawal before placed."""
        for (_, before), (start, after) in zip(self.history, self.history[1:], strict=False):
            assert start == before
            assert after in MOVES[before] or (after is Status.WITHDRAWN and before in WITHDRAWABLE)

    @invariant()
    def terminal_means_no_way_out(self) -> None:
        """A terminal status has no moves and cannot be withdrawn."""
        if self.status in TERMINAL:
            assert not MOVES[self.status]
            assert self.status not in WITHDRAWABLE


ReferralLife.TestCase.settings = settings(settings.get_profile("unit"), stateful_step_count=30)
TestReferralLife = ReferralLife.TestCase


def test_an_intake_cannot_be_planned_before_the_referral_was_submitted():
    from datetime import UTC, datetime, timedelta

    submitted = datetime(2030, 3, 2, 9, 0, tzinfo=UTC)
    early = rules.MoveRequest(to=rules.Status.INTAKE_PLANNED, planned_at=submitted - timedelta(minutes=1))
    now = submitted - timedelta(minutes=2)  # a clock that ran behind: not in the past, yet before submission
    problems = rules.check_move(rules.Status.IN_REVIEW, early, now=now, submitted_at=submitted)
    assert "vóór de aanmelding" in problems["planned_at"]
    later = rules.MoveRequest(to=rules.Status.INTAKE_PLANNED, planned_at=submitted + timedelta(days=1))
    assert rules.check_move(rules.Status.IN_REVIEW, later, now=now, submitted_at=submitted) == {}
