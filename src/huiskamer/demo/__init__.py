"""The demo organisation: an Almere welfare organisation with four huiskamers, loaded into an empty database."""

from huiskamer.demo.organisation import (
    DEMO_PASSWORD,
    LOCATIONS,
    PEOPLE,
    DemoLogin,
    demo_logins,
    load_demo,
    print_logins,
)

__all__ = ["DEMO_PASSWORD", "LOCATIONS", "PEOPLE", "DemoLogin", "demo_logins", "load_demo", "print_logins"]
