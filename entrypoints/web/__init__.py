"""The pages people see: the shopper's checkout and return page, the store owner's onboarding
pages and the simulated gateway's stand-in for Stripe's hosted onboarding.

Jinja templates (``templates/``) with autoescaping, one stylesheet and a little plain JavaScript
(``static/``), no build step. Amounts are formatted here, on the server, from integer minor units;
the scripts only ever show strings the server wrote.
"""
