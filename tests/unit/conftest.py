"""Hypothesis settings for the pure unit properties: a profile "unit", chosen by HYPOTHESIS_PROFILE.

The run-wide profiles "dev" and "ci" are registered and loaded in tests/conftest.py. Loading a profile here
would change them for the service and web tests too (the profile loaded last wins for the whole run), so
this only registers "unit" on top of the loaded one, with more examples (pure properties are cheap) and no
deadline (the CI machine is slow). Property tests use it with ``@settings(settings.get_profile("unit"))``.

    HYPOTHESIS_PROFILE=dev (the default): 100 examples per property
    HYPOTHESIS_PROFILE=ci  (or CI=true):  300 examples per property
"""

import os

from hypothesis import settings

_EXAMPLES = {"dev": 100, "ci": 300}
_profile = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")

settings.register_profile(
    "unit",
    settings.default,
    max_examples=_EXAMPLES.get(_profile, settings.default.max_examples),
    deadline=None,
)
