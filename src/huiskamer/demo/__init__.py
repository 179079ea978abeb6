"""The demo: a welfare organisation in Almere with four huiskamers, and more than a year of its work, loaded into
an empty database by ``huiskamer demo`` and ``huiskamer start`` (what ``python3 dev.py start`` runs).

What each module makes:

- ``organisation``: the organisation itself: its huiskamers (seats per weekday, neighbourhoods, closure days) and
  the people who log in, with the one demo password;
- ``referrals``: referrals in every status with their children, histories, messages and possible duplicates;
- ``placements``: behind those past the intake: intakes with goals, brothers and sisters, offers, placements and
  their seat claims, handed out within each huiskamer's capacity;
- ``attendance``: the placed children's past year: attendance, concerns, progress notes and evaluations;
- ``load``: puts all of it in the database.

The generators make plain rows (dicts of column values, ids included) from a seed, and ``load`` inserts them in
bulk with SQLAlchemy Core; the huiskamers and the people go through the models and the users' service.

Why the rows do not go through the import (``importing.service``, issue 19 asked for it where that keeps the demo
fast, that is within about 20% of the build's time): it would make the build four to five times as long. Measured
on 6 December 2026 on a 2-core machine busy with other work (load average 13 to 20, so the wall times are long;
CPU is the client process's, PostgreSQL's own comes on top):

- ``huiskamer demo`` on an empty database, migrations included, four times each before and after the move into
  this package, interleaved: SQLite 27 to 38 s wall, 8.1 to 9.8 s CPU; PostgreSQL 27 to 38 s wall, 6.7 to 7.4 s
  CPU; the move changed nothing beyond the noise.
- The 411 children who are waiting or placed, the only ones a spreadsheet can bring in (each with its referral,
  intake, goals and placement), through ``run_import``: SQLite 115 to 146 s wall, 28 to 30 s CPU; PostgreSQL 105 to
  123 s wall, 21 to 22 s CPU. That is 50 to 75 ms of CPU per child, where the bulk insert of all 32,000 rows takes
  2 s of CPU (0.6 s on PostgreSQL).

Within the bar, the import would have to bring a child in for about 4 ms of CPU: some fifteen times less than
today. It would also flatten what the demo is for: an imported child's history is one moment ("imported from a
file") instead of a referral reviewed, discussed in messages, offered a seat; and the offers, attendance and
progress rows would have to be keyed anew to the placements the import makes. ``benchmarks/bench_demo_import.py``
measures it again, for when the import gets faster.
"""

from huiskamer.demo.load import load_demo
from huiskamer.demo.organisation import DEMO_PASSWORD, LOCATIONS, PEOPLE, DemoLogin, demo_logins, print_logins

__all__ = ["DEMO_PASSWORD", "LOCATIONS", "PEOPLE", "DemoLogin", "demo_logins", "load_demo", "print_logins"]
