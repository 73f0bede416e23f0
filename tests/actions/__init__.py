"""Tests of the action server's actions and ticket store."""
