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
"""

from huiskamer.demo.load import load_demo
from huiskamer.demo.organisation import DEMO_PASSWORD, LOCATIONS, PEOPLE, DemoLogin, demo_logins, print_logins

__all__ = ["DEMO_PASSWORD", "LOCATIONS", "PEOPLE", "DemoLogin", "demo_logins", "load_demo", "print_logins"]
