"""Huiskamer: intake and waitlist for dagarrangementen."""
