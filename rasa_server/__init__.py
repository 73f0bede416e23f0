"""What runs inside the Rasa server but is no NLU component: the app's input channel
(`AppInput`), the turn runner that makes a failed custom action fail the turn, and the SQL
tracker store that never falls back to memory. Rasa's environment (Python 3.10) imports it."""
