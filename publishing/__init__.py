"""Train, evaluate, gate and publish Rasa models blue/green, with one-click rollback.

The registry (`models.py`) records every trained model and which one serves; the gate
(`gate.py`) compares a candidate with the model in service; the publisher (`blue_green.py`)
starts a second Rasa on the new model and switches the app's turns to it through the database,
which every app instance follows (`follow.py`). Design and failure cases: docs/publishing.md.
"""
