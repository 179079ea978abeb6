"""Route handlers of this part (being built; registered in create_app)."""

from __future__ import annotations

from typing import Any

routes: list[Any] = []
