"""The life cycle of personal data at rest: retention periods, the purge, and forget-me.

`periods` turns the settings into cut-off times, `purge` removes what outlived them (the app's
tables, the ticket store's and the handoff module's through their own functions, and Rasa's
tracker through `tracker`), `forget` erases one chat on request, and `job` runs both inside the
app, once across several instances. `python -m bot.retention` is the command line.
"""
