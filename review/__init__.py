"""Content editors' review: what the bot misunderstood, masked, grouped, annotated, written out.

The router and the handoff service report turns and ratings here (`triggers`); editors work
through the console's «Обучение» tab (`routes`); accepted examples become Rasa training files
(`writer`). Nothing stored here holds a citizen's personal data in clear (`masking`).
"""
