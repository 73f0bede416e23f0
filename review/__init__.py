"""Content editors' review: what the bot misunderstood, masked, grouped, annotated, written out;
and the content that changes often, edited without a release.

The router and the handoff service report turns and ratings here (`triggers`); editors work
through the console's «Обучение» tab (`routes`); accepted examples become Rasa training files
(`writer`). Nothing stored here holds a citizen's personal data in clear (`masking`). In the
«Содержание» tab (`content_routes`, `content`) editors change the support contacts and hours,
the out-of-scope routes and the known incidents, kept in the ticket store for every instance.
"""
