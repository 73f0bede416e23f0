"""Tests of the benchmark harness's own logic (counting, data growth), not of speed."""
