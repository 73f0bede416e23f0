"""Benchmarks: `make bench` (run_all.py and the load/ package), startup, NLU and handoff figures."""
