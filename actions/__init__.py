"""Custom actions of the Rasa assistant, one module per feature; `store` owns their tables."""
