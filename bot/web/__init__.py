"""HTTP surface of the app core: health, readiness and metrics."""
