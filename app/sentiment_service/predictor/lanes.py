"""Two lanes of work in one batcher, so that cheap requests are not queued behind expensive ones.

A job predicted to cost at most LIGHT_MAX_S (a sentence, a review, a few of them) goes to the light lane; a
batch of long reviews to the heavy lane. Jobs are cut into slices of at most one inference call and CYCLE_MAX_S,
and the batcher scores one lane's slices per cycle, so a sentence that arrives while a 64-review batch is being
scored waits for one cycle, not for the batch.

Which lane goes next is weighted fair queueing by cost: each lane's weight is its share of the cost offered
lately (refused requests included), so under overload each class keeps the share of the CPU it had at normal
load, and neither starves the other. A lane with nothing queued lends its share to the other. A job whose
deadline comes near goes first whatever its lane, while it can still make it: an admitted request is answered,
not dropped, and a job already late does not hold the batcher (nor would every late job behind it).

Admission asks each lane the same question: when would this job be answered? A light job is admitted while that
stays within LIGHT_WAIT_S (so a refusal comes at once instead of after a long wait), a heavy one within its
share of the deadline.
"""

import math
from collections import deque
from dataclasses import dataclass, field

LIGHT, HEAVY = "light", "heavy"
LANES = (LIGHT, HEAVY)
# A job predicted to take at most this many seconds of batcher time is light: one review is about 0.02 s on one
# core, a batch of 64 reviews about 1.5 s.
LIGHT_MAX_S = 0.1
# The light lane admits while a job would be answered within this: its queue stays short, its latency low.
LIGHT_WAIT_S = 0.5
# How long offered cost is remembered when weighing the lanes: long enough to smooth bursts, short enough to
# follow a change of mix within seconds.
DEMAND_HALF_LIFE_S = 5.0
# Neither lane's weight falls below this, so a class that appears suddenly is served at once.
MIN_SHARE = 0.1
# A job whose deadline is nearer than this share of the deadline, beyond what it still costs, goes first.
URGENT_SHARE = 0.1
# A cycle (one lane's slices) is predicted to cost at most this, or one slice where a single input costs more:
# how long a sentence that arrives behind a batch of reviews waits for the batcher. Small calls of long texts cost
# no more per token than large ones (the matrix products are already large), so slicing costs little throughput.
CYCLE_MAX_S = 0.25


@dataclass(eq=False)
class LaneJob:
    """What the lanes know of a job: its lane, its deadline and what it still costs."""

    lane: str
    deadline: float
    remaining_s: float
    slices_left: int = 0


@dataclass(eq=False)
class Slice:
    """About one inference call of a job: the indices of its texts in the job, their inputs and cost."""

    job: LaneJob
    indices: list[int]
    inputs: int
    cost_s: float


@dataclass
class _Lane:
    queue: deque = field(default_factory=deque)
    # Seconds of work admitted and not yet done (queued or being scored).
    backlog_s: float = 0.0
    # Batcher time used, divided by the lane's weight: the lane furthest behind goes next.
    served: float = 0.0
    # Offered cost, decayed with DEMAND_HALF_LIFE_S, as of `demand_at`.
    demand_s: float = 0.0
    demand_at: float = 0.0


class Lanes:
    """The queued slices of one batcher; not thread-safe (the batcher holds its lock around every call)."""

    def __init__(self):
        self._lanes = {lane: _Lane() for lane in LANES}
        # The lane the weights chose but an urgent job took the last cycle from (next_lane).
        self._passed_over: str | None = None

    @staticmethod
    def lane_of(cost_s: float) -> str:
        return LIGHT if cost_s <= LIGHT_MAX_S else HEAVY

    @property
    def backlog_s(self) -> float:
        return sum(lane.backlog_s for lane in self._lanes.values())

    @property
    def queued(self) -> bool:
        return any(lane.queue for lane in self._lanes.values())

    def offered(self, lane: str, cost_s: float, now: float) -> None:
        """A job of this cost asked to be admitted (counted whether or not it is)."""
        state = self._lanes[lane]
        state.demand_s = self._decayed(state, now) + cost_s
        state.demand_at = now

    def weights(self, now: float) -> dict[str, float]:
        """Each lane's share of the batcher when both have work: its share of the cost offered lately."""
        demand = {name: self._decayed(lane, now) for name, lane in self._lanes.items()}
        total = sum(demand.values())
        if total <= 0:
            return {name: 1 / len(LANES) for name in LANES}
        shares = {name: max(MIN_SHARE, value / total) for name, value in demand.items()}
        norm = sum(shares.values())
        return {name: share / norm for name, share in shares.items()}

    def answer_in_s(self, lane: str, cost_s: float, now: float, cycle_s: float) -> float:
        """Predicted seconds until a job of this cost, admitted to `lane` now, is answered (`cycle_s`: the most one
        cycle of either lane takes).

        The job is done once its lane's work up to it is, plus the other lane's work served in between: at the
        lanes' weights, that is its own work x other weight / own weight, but never less than the one cycle that
        may come first (cycles are whole calls), nor more than all the other lane has."""
        other_name = HEAVY if lane == LIGHT else LIGHT
        own, other = self._lanes[lane], self._lanes[other_name]
        work = own.backlog_s + cost_s
        if other.backlog_s <= 0:
            return work
        weights = self.weights(now)
        between = max(min(cycle_s, other.backlog_s), work * weights[other_name] / weights[lane])
        return work + min(other.backlog_s, between)

    def limit_s(self, lane: str, deadline_s: float, deadline_share: float, cycle_s: float) -> float:
        """The latest predicted answer the lane admits: for the light lane LIGHT_WAIT_S, or two cycles on a
        machine too slow for that (one may be in progress when a light job arrives, one its own)."""
        latest = deadline_s * deadline_share
        return min(max(LIGHT_WAIT_S, 2 * cycle_s), latest) if lane == LIGHT else latest

    def push(self, slices: list[Slice]) -> None:
        for item in slices:
            state = self._lanes[item.job.lane]
            if not state.queue:
                # A lane that had nothing queued banks no credit for the time it was idle: it starts level with the
                # lanes that have work, or, when none has, with the lane served most. Left behind, a batch that
                # arrived after a spell of sentences alone had all the cycles until it caught up, and the sentences
                # that followed it waited for the whole batch.
                busy = [lane.served for lane in self._lanes.values() if lane.queue]
                state.served = max(state.served, min(busy) if busy else max(lane.served for lane in self._lanes.values()))
            state.queue.append(item)
            state.backlog_s += item.cost_s
            item.job.slices_left += 1

    def next_lane(self, now: float, deadline_s: float) -> str | None:
        """The lane to serve next: the lane furthest behind its weight, unless the other's first job is urgent (then that
        lane, every other cycle at least); None if all are empty."""
        waiting = [name for name, lane in self._lanes.items() if lane.queue]
        if len(waiting) <= 1:
            return waiting[0] if waiting else None
        slack = {name: self._lanes[name].queue[0].job.deadline - now - self._lanes[name].queue[0].job.remaining_s
                 for name in waiting}
        by_weight = min(waiting, key=lambda name: self._lanes[name].served)
        # Only a job that can still make its deadline goes first: one whose slack is gone is late whatever is done,
        # and going first it would hold the batcher until it is done, and so would every late job behind it.
        urgent = [name for name in waiting if 0 <= slack[name] < URGENT_SHARE * deadline_s]
        if not urgent or by_weight in urgent:
            self._passed_over = None
            return by_weight
        if self._passed_over == by_weight:
            # Passed over for an urgent job last cycle: its turn now, for one cycle, so that while a batch hurries
            # to its deadline a sentence still waits for one cycle of it, not for all of it.
            self._passed_over = None
            return by_weight
        self._passed_over = by_weight
        return min(urgent, key=slack.get)

    def take(self, lane: str, max_inputs: int, max_cost_s: float) -> list[Slice]:
        """The next slices of `lane` for one cycle: at least one, more while they fit in `max_inputs` inputs and
        `max_cost_s` seconds (one cycle)."""
        state = self._lanes[lane]
        taken = [state.queue.popleft()]
        inputs, cost = taken[0].inputs, taken[0].cost_s
        while state.queue and inputs + state.queue[0].inputs <= max_inputs and cost + state.queue[0].cost_s <= max_cost_s:
            item = state.queue.popleft()
            taken.append(item)
            inputs, cost = inputs + item.inputs, cost + item.cost_s
        return taken

    def charge(self, lane: str, seconds: float, now: float) -> None:
        """A cycle of `lane` kept the batcher this long: the lane's share is counted in time used, not in the
        predicted cost of its jobs (light jobs that share a call cost less together than each alone)."""
        self._lanes[lane].served += seconds / self.weights(now)[lane]

    def done(self, item: Slice) -> None:
        """A slice was scored, or dropped with its job."""
        state = self._lanes[item.job.lane]
        state.backlog_s = max(0.0, state.backlog_s - item.cost_s)
        item.job.remaining_s = max(0.0, item.job.remaining_s - item.cost_s)
        item.job.slices_left -= 1

    @staticmethod
    def _decayed(lane: _Lane, now: float) -> float:
        return lane.demand_s * math.exp2(-(now - lane.demand_at) / DEMAND_HALF_LIFE_S)
