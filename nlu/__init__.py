"""Custom Rasa 3.6 NLU components for Russian (Госпомощник).

Importing the package registers nothing by itself; Rasa imports each component by its
module path given in config.yml (``nlu.tokenizer.RussianTokenizer`` and so on).
"""
