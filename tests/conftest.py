"""Shared test configuration: Hypothesis profiles.

``default`` keeps ``make test`` fast; ``long`` runs the sequencing state machine much longer
(``make test-long`` passes ``--hypothesis-profile=long``; ``HYPOTHESIS_PROFILE=long`` works too).
"""

from __future__ import annotations

import os

from hypothesis import settings

# 100 steps caught every seeded sequencing bug in 3 of 3 runs (40 steps: 2 of 3), at about 3 s.
settings.register_profile("default", max_examples=40, stateful_step_count=100, deadline=None)
settings.register_profile("long", max_examples=300, stateful_step_count=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
