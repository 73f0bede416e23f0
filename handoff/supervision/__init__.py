"""What supervisors watch: waits against the target, handling time, CSAT, who is online."""
