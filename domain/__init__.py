"""The pure core of storepay: money, fees, payments, refunds, disputes, accounts and the ledger.

Standard library only; everything else depends on this package, never the other way round.
"""
