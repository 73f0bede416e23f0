"""`make bench`'s load, scale-out, fault, soak and training measurements (run by bench/run_all.py).

Everything runs on loopback: the real Rasa, action server and app processes, a fake Bot API
in the driver process, PostgreSQL databases the bench creates (or a PostgreSQL it starts with
`initdb`/`pg_ctl` in a temp dir), the machine's Redis. Every loop is bounded in count and time.
"""
