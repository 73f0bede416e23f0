"""The operator console page: its HTML, scripts and styles, and the texts its API answers with."""
