"""What a refused form shows again: what was typed, as the form's fields want it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from huiskamer.validation import as_list, parse_date


def typed_values(
    data: Mapping[str, Any], *, dates: Iterable[str] = (), lists: Iterable[str] = (), ticked: Iterable[str] = ()
) -> dict[str, Any]:
    """What was typed, to put back in the form as it was: every text field as typed, the ``dates`` as the date
    input wants them (yyyy-mm-dd) when they can be read, the boxes of ``lists`` as the list of what was ticked,
    and each single checkbox of ``ticked`` as ticked or not."""
    values: dict[str, Any] = {key: value for key, value in data.items() if isinstance(value, str)}
    for name in dates:
        parsed = parse_date(values.get(name))
        if parsed is not None:
            values[name] = parsed.isoformat()
    for name in lists:
        values[name] = [value for value in as_list(data.get(name)) or [] if isinstance(value, str)]
    for name in ticked:
        values[name] = data.get(name) == "on"
    return values
