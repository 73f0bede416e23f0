"""Tests of the operator console's JSON API (handoff/api.py, handoff/routes/)."""
