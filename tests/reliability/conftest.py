"""Hypothesis profiles for the property tests.

``ci`` (chosen when ``CI`` is set) keeps the run short and the same on every run
(derandomized); ``dev`` (the default) tries more examples; ``deep`` is for a long hunt:
``HYPOTHESIS_PROFILE=deep pytest tests/reliability``.
"""

import os

from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=40, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("dev", max_examples=80, **_COMMON)
settings.register_profile("deep", max_examples=2000, **_COMMON)
DEFAULT_PROFILE = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or DEFAULT_PROFILE)
