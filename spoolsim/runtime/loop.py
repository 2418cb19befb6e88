"""The deadline loop: one Trio task serving a model-side heap of timed callbacks.

Theory of operation
-------------------
Timers are data. Anything that must happen later (a print processor finishing, a device's next page
in the direct path, a retry after a port error, a queue opening at its StartTime) is a callback in
one heap ordered by ``(time, priority, sequence)``. One task sleeps until the earliest entry and
runs everything due, in that order, passing each callback the time it was scheduled for. Trio
jumps to each distinct instant once, however many callbacks share it (see
shared/design/performance.md for why a task per timer is several times slower).

Other tasks (the wire path's port-monitor connections) do not touch the model themselves: they
``post`` what they learned, stamped with the current time and a key (the port's name and a
per-key counter). Trio runs the tasks that wake at one instant in an arbitrary order, so the loop
works on an instant only once every other task is blocked (``barrier``): first what other tasks
did directly (an RPC call from a client task), then the posts sorted by ``(time, key, counter)``,
then the heap. Every run of the same inputs therefore applies simultaneous news in the same order,
on both paths. Under a MockClock, tasks waiting in ``wait_all_tasks_blocked`` are woken before the
clock autojumps, so nothing moves time in between. A caller that drives everything from the heap
(no other task touches the model) may turn the barrier off and save a scheduler pass per instant;
under a stopped MockClock the loop then also moves the clock itself, from one heap entry to the
next, as long as no other task is runnable or due sooner: work that needs no other task costs no
Trio pass at all.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable

import trio
import trio.testing

Callback = Callable[[float], None]


class DeadlineLoop:
    """The heap and the task that serves it. Start :meth:`run` in a nursery."""

    def __init__(self, *, barrier: bool = True) -> None:
        self.barrier = barrier
        self._heap: list[tuple[float, int, int, Callback]] = []
        self._seq = itertools.count()
        self._posts: list[tuple[float, str, int, Callback]] = []
        self._post_seq: dict[str, itertools.count[int]] = {}
        self._sleeping: trio.CancelScope | None = None
        self.jumps = 0  # instants reached by moving the clock, not by a Trio pass

    def call_at(self, when: float, fn: Callback, priority: int = 0) -> None:
        """Run ``fn(when)`` at simulated time ``when`` (at once if that is already past)."""
        heapq.heappush(self._heap, (when, priority, next(self._seq), fn))
        scope = self._sleeping
        if scope is not None and when < scope.deadline:
            scope.deadline = when

    def post(self, key: str, fn: Callback) -> None:
        """From another task: run ``fn(now)`` in the loop, in a deterministic order."""
        counter = self._post_seq.setdefault(key, itertools.count())
        self._posts.append((trio.current_time(), key, next(counter), fn))
        if self._sleeping is not None:
            self._sleeping.cancel()

    def next_deadline(self) -> float:
        return self._heap[0][0] if self._heap else math.inf

    def run_due(self, now: float) -> None:
        """Run every callback due at or before ``now``, including those they schedule."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, _, _, fn = heapq.heappop(heap)
            fn(when)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        clock = trio.lowlevel.current_clock()
        # Without a barrier, under a stopped MockClock, the loop may move time itself up to the
        # next deadline any other task waits for: no Trio pass per instant (see the docstring).
        # A MockClock may be set running later (``spoolsim serve`` starts it once the estate is
        # up), so its rate is read on every pass.
        mock = clock if not self.barrier and isinstance(clock, trio.testing.MockClock) else None
        now = trio.current_time()
        woken = True  # by Trio (or just started): other tasks may still be due to run
        while True:
            can_jump = mock is not None and mock.rate == 0
            if self.barrier or self._posts or (can_jump and woken):
                # Without the barrier this still happens once per wake-up: Trio counts as
                # runnable only the tasks of its next batch, not those still due in the batch
                # that woke this one, so they must run before the clock may move again.
                await trio.testing.wait_all_tasks_blocked()
                woken = False
            if self._posts:
                posts, self._posts = sorted(self._posts, key=_post_key), []
                for when, _, _, fn in posts:
                    fn(when)
            self.run_due(max(now, trio.current_time()))
            if self._posts:
                continue
            now = trio.current_time()
            # The clock may have been set running while this task waited above: jump only a
            # clock that is still stopped (a running one has moved on, maybe past the heap).
            can_jump = can_jump and mock is not None and mock.rate == 0
            if can_jump and self._heap:
                stats = trio.lowlevel.current_statistics()
                ahead = self._heap[0][0] - now
                if stats.tasks_runnable == 0 and ahead < stats.seconds_to_next_deadline:
                    assert mock is not None
                    mock.jump(ahead)
                    now = self._heap[0][0]
                    self.jumps += 1
                    if self.jumps % 1024 == 0:
                        await trio.lowlevel.checkpoint()  # stay cancellable
                        woken = True
                    continue
            with trio.CancelScope(deadline=self.next_deadline()) as scope:
                self._sleeping = scope
                await trio.sleep_forever()
            self._sleeping = None
            woken = True


def _post_key(post: tuple[float, str, int, Callback]) -> tuple[float, str, int]:
    return post[0], post[1], post[2]
