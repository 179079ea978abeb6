"""Hypothesis profiles for the unit tests: ``dev`` (the default) and ``ci`` (more examples).

Choose with the environment: ``HYPOTHESIS_PROFILE=ci uv run pytest tests/unit``. No deadline in either: the CI
machine is slow and a deadline there only reports noise.
"""

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
