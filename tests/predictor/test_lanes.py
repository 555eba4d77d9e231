"""The two lanes: weights follow the cost offered, the answer time is predicted from both lanes' backlogs, the
lane furthest behind its weight goes next, an urgent job goes first (but every other cycle at most), and an idle
lane banks no credit."""

import pytest

from sentiment_service.predictor.lanes import HEAVY, LIGHT, LIGHT_WAIT_S, MIN_SHARE, LaneJob, Lanes, Slice


def job(lane: str, cost_s: float, deadline: float = 100.0) -> LaneJob:
    return LaneJob(lane=lane, deadline=deadline, remaining_s=cost_s)


def slices(lane: str, count: int, cost_s: float, deadline: float = 100.0) -> list[Slice]:
    owner = job(lane, count * cost_s, deadline)
    return [Slice(owner, [i], 1, cost_s) for i in range(count)]


def serve(lanes: Lanes, cycles: int, seconds: dict[str, float], max_inputs: int = 1, max_cost_s: float = 0.2) -> list[str]:
    """Run `cycles` cycles as the batcher does (next lane, take, done, charge, each taking `seconds[lane]`); the lanes
    served, in order."""
    order = []
    for _ in range(cycles):
        lane = lanes.next_lane(0.0, 10.0)
        for item in lanes.take(lane, max_inputs=max_inputs, max_cost_s=max_cost_s):
            lanes.done(item)
        lanes.charge(lane, seconds[lane], 0.0)
        order.append(lane)
    return order


def test_the_lane_is_chosen_by_predicted_cost():
    assert Lanes.lane_of(0.01) == LIGHT and Lanes.lane_of(1.5) == HEAVY


def test_weights_follow_the_cost_offered_with_a_floor():
    lanes = Lanes()
    assert lanes.weights(0.0) == {LIGHT: 0.5, HEAVY: 0.5}
    lanes.offered(LIGHT, 1.0, 0.0)
    lanes.offered(HEAVY, 3.0, 0.0)
    assert lanes.weights(0.0) == pytest.approx({LIGHT: 0.25, HEAVY: 0.75})
    lanes.offered(HEAVY, 1000.0, 0.0)
    assert lanes.weights(0.0)[LIGHT] == pytest.approx(MIN_SHARE / (MIN_SHARE + 1000 / 1001), rel=1e-3)


def test_an_answer_is_predicted_from_both_lanes_backlogs():
    lanes = Lanes()
    assert lanes.answer_in_s(LIGHT, 0.01, 0.0, cycle_s=0.2) == pytest.approx(0.01)  # an idle batcher: its own cost
    lanes.offered(LIGHT, 1.0, 0.0)
    lanes.offered(HEAVY, 1.0, 0.0)  # equal weights
    lanes.push(slices(HEAVY, 4, 1.0))  # 4 s of heavy work
    # At half the batcher while the heavy lane has work: 0.5 s of light work takes 1 s.
    assert lanes.answer_in_s(LIGHT, 0.5, 0.0, cycle_s=0.2) == pytest.approx(1.0)
    # 6 s of light work outlasts the heavy backlog: everything admitted is done by 4 + 6 s.
    assert lanes.answer_in_s(LIGHT, 6.0, 0.0, cycle_s=0.2) == pytest.approx(10.0)


def test_a_sentence_behind_heavy_work_waits_for_one_call_whatever_its_weight():
    lanes = Lanes()
    lanes.offered(LIGHT, 0.1, 0.0)
    lanes.offered(HEAVY, 100.0, 0.0)  # the light lane's weight is its floor
    lanes.push(slices(HEAVY, 10, 0.3))
    assert lanes.answer_in_s(LIGHT, 0.01, 0.0, cycle_s=0.3) == pytest.approx(0.31)
    # The heavy job, though, waits for all the heavy work before it, and the light work interleaved.
    assert lanes.answer_in_s(HEAVY, 1.0, 0.0, cycle_s=0.3) == pytest.approx(4.0)


def test_the_light_lane_admits_a_short_wait_or_two_calls_on_a_slow_machine():
    lanes = Lanes()
    assert lanes.limit_s(LIGHT, 10.0, 0.8, cycle_s=0.1) == LIGHT_WAIT_S
    assert lanes.limit_s(LIGHT, 10.0, 0.8, cycle_s=0.6) == pytest.approx(1.2)
    assert lanes.limit_s(LIGHT, 1.0, 0.8, cycle_s=0.6) == pytest.approx(0.8)
    assert lanes.limit_s(HEAVY, 10.0, 0.8, cycle_s=0.1) == 8.0


def test_a_lane_is_charged_the_time_its_cycles_took_so_many_cheap_jobs_in_one_call_cost_one_call():
    lanes = Lanes()
    lanes.offered(LIGHT, 0.1, 0.0)
    lanes.offered(HEAVY, 0.9, 0.0)
    lanes.push(slices(HEAVY, 10, 0.3) + slices(LIGHT, 40, 0.01))
    # Ten light jobs in one call take about what one of them alone would: 0.015 s, not 0.1 s.
    order = serve(lanes, 6, {HEAVY: 0.3, LIGHT: 0.015}, max_inputs=10, max_cost_s=0.3)
    # Charged what they predicted alone (0.1 s a cycle at a weight of 0.1), the light cycles would wait for three
    # heavy calls each; charged their time, never two heavy calls in a row.
    assert order[0] == LIGHT and order.count(HEAVY) >= 2
    assert all(not (a == b == HEAVY) for a, b in zip(order, order[1:])), order


def test_the_lane_furthest_behind_its_weight_goes_next_so_both_are_served():
    lanes = Lanes()
    lanes.offered(LIGHT, 1.0, 0.0)
    lanes.offered(HEAVY, 1.0, 0.0)
    lanes.push(slices(HEAVY, 10, 0.2) + slices(LIGHT, 10, 0.2))
    order = serve(lanes, 8, {HEAVY: 0.2, LIGHT: 0.2})
    assert order.count(LIGHT) == order.count(HEAVY) == 4


def test_a_job_near_its_deadline_goes_first_whatever_the_weights():
    lanes = Lanes()
    lanes.offered(LIGHT, 100.0, 0.0)  # the light lane is owed nearly everything
    lanes.push(slices(LIGHT, 5, 0.05) + slices(HEAVY, 2, 1.0, deadline=5.0))
    assert lanes.next_lane(0.0, 10.0) == LIGHT
    assert lanes.next_lane(1.5, 10.0) == LIGHT  # 5 - 1.5 - 2 = 1.5 s of slack: a tenth of the deadline and more
    # At 2.5 s the heavy job has 5 - 2.5 - 2 = 0.5 s of slack, under a tenth of the 10 s deadline.
    assert lanes.next_lane(2.5, 10.0) == HEAVY


def test_a_job_that_can_no_longer_make_its_deadline_does_not_go_first():
    lanes = Lanes()
    lanes.offered(LIGHT, 100.0, 0.0)
    lanes.push(slices(LIGHT, 5, 0.05) + slices(HEAVY, 2, 1.0, deadline=5.0))
    # At 3.5 s the heavy job needs 2 s more and has 1.5 s left: it is late whatever is served, so the lanes' weights
    # decide, and the light lane is owed nearly everything. (It lost its priority, not its place: it is still served.)
    assert lanes.next_lane(3.5, 10.0) == LIGHT


def test_a_light_cycle_takes_many_small_slices_up_to_a_call():
    lanes = Lanes()
    lanes.push(slices(LIGHT, 20, 0.01))
    assert len(lanes.take(LIGHT, max_inputs=64, max_cost_s=0.1)) == 10
    assert len(lanes.take(LIGHT, max_inputs=4, max_cost_s=1.0)) == 4


def test_a_lane_that_was_idle_banks_no_credit():
    lanes = Lanes()
    lanes.offered(LIGHT, 1.0, 0.0)
    lanes.offered(HEAVY, 1.0, 0.0)
    lanes.push(slices(HEAVY, 50, 0.2))
    assert set(serve(lanes, 40, {HEAVY: 0.2})) == {HEAVY}  # the heavy lane served alone for a while
    lanes.push(slices(LIGHT, 10, 0.2))
    # Alternating from the start, not the light lane alone for 40 slices.
    assert serve(lanes, 6, {HEAVY: 0.2, LIGHT: 0.2}).count(HEAVY) == 3
    assert lanes.backlog_s == pytest.approx(7 * 0.2 + 7 * 0.2)


def test_while_a_job_hurries_to_its_deadline_the_lane_it_passes_over_still_gets_every_other_cycle():
    lanes = Lanes()
    lanes.offered(LIGHT, 100.0, 0.0)  # the weights would serve the light lane every time
    lanes.push(slices(LIGHT, 10, 0.01) + slices(HEAVY, 4, 1.0, deadline=7.0))
    # At 2.5 s the heavy job needs 4 s and has 4.5 s left: urgent, and it stays so while it is served.
    order = [lanes.next_lane(2.5, 10.0) for _ in range(6)]
    assert order == [HEAVY, LIGHT] * 3


def test_a_lane_that_arrives_when_the_other_is_idle_starts_level_with_it():
    lanes = Lanes()
    lanes.offered(HEAVY, 100.0, 0.0)  # the light lane's weight is its floor: its cycles count ten times
    lanes.push(slices(LIGHT, 40, 0.02))
    assert set(serve(lanes, 40, {LIGHT: 0.02})) == {LIGHT}  # sentences alone, and then nothing queued
    lanes.push(slices(HEAVY, 30, 0.2))  # a batch arrives while no sentence is queued
    lanes.push(slices(LIGHT, 3, 0.02))
    # The sentences that follow wait for one cycle of the batch at most, not for the batch.
    assert serve(lanes, 4, {HEAVY: 0.2, LIGHT: 0.02})[:2].count(LIGHT) >= 1
