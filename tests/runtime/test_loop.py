"""The deadline loop without its barrier: it moves the clock itself, but never past another
task that is due, even one woken in the same scheduler batch as the loop."""

from __future__ import annotations

import trio
import trio.testing

from spoolsim.runtime import DeadlineLoop


async def _race() -> tuple[float, float]:
    loop = DeadlineLoop(barrier=False)
    ticks: list[float] = []

    def tick(now: float) -> None:
        ticks.append(now)
        if now < 1000:
            loop.call_at(now + 10, tick)

    async with trio.open_nursery() as nursery:
        await nursery.start(loop.run)
        loop.call_at(0.0, tick)
        await trio.sleep(50)  # due at the same instant as a heap entry: the same batch
        woke = trio.current_time()
        await trio.sleep(0)
        after = trio.current_time()
        nursery.cancel_scope.cancel()
    return woke, after


def test_the_loop_never_jumps_past_a_task_woken_with_it() -> None:
    # Trio runs one batch in random order; twenty runs meet both orders with near certainty.
    for _ in range(20):
        clock = trio.testing.MockClock(autojump_threshold=0)
        assert trio.run(_race, clock=clock) == (50.0, 50.0)
