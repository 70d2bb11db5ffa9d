Feature: Store balance
  A store's takings in each currency, summed from the ledger:
  net = gross volume - platform fees - refunds + fee refunds - disputed.
  The platform's commission is summed the same way: collected, given back, and what it keeps.
  Only money that moved counts, and money that came back counts again.

  Background:
    Given the platform fee is 2.5 %

  Rule: The net balance is the gross volume less fees, refunds and disputes, plus fee refunds

    Scenario: The balance after payments, a refund, a dispute and a declined card
      Given a succeeded payment of EUR 100.00
      And the store refunded EUR 40.00
      And a succeeded payment of EUR 50.00
      And the gateway reported that the shopper's bank disputed EUR 50.00
      And a succeeded payment of EUR 30.00
      And a payment of EUR 20.00
      And the gateway reported that the card was declined
      Then the store's balance in EUR is:
        | gross volume  | EUR 180.00 |
        | platform fees | EUR 4.50   |
        | refunds       | EUR 40.00  |
        | fee refunds   | EUR 2.25   |
        | disputed      | EUR 50.00  |
        | net           | EUR 87.75  |
      And no money was created or lost

    Scenario: The platform's fees after payments, a refund and a dispute
      Given a succeeded payment of EUR 100.00
      And the store refunded EUR 40.00
      And a succeeded payment of EUR 50.00
      And the gateway reported that the shopper's bank disputed EUR 50.00
      And a succeeded payment of EUR 30.00
      Then the platform's fees in EUR are:
        | collected  | EUR 4.50 |
        | given back | EUR 2.25 |
        | net        | EUR 2.25 |

    Scenario: A payment refunded in full leaves the store and the platform nothing
      Given a succeeded payment of EUR 19.99
      And the store refunded EUR 6.66
      And the store refunded EUR 6.66
      And the store refunded EUR 6.67
      Then the store's balance in EUR is:
        | gross volume  | EUR 19.99 |
        | platform fees | EUR 0.50  |
        | refunds       | EUR 19.99 |
        | fee refunds   | EUR 0.50  |
        | net           | EUR 0.00  |
      And the platform's fees in EUR are:
        | net | EUR 0.00 |
      And no money was created or lost

  Rule: Each currency has its own balance

    Scenario: Payments in euros, yen and dinars
      Given a succeeded payment of EUR 19.99
      And a succeeded payment of JPY 999
      And a succeeded payment of KWD 1.500
      Then the store has balances in EUR, JPY and KWD
      And the store's balance in EUR is:
        | gross volume  | EUR 19.99 |
        | platform fees | EUR 0.50  |
        | net           | EUR 19.49 |
      And the store's balance in JPY is:
        | gross volume  | JPY 999 |
        | platform fees | JPY 25  |
        | net           | JPY 974 |
      And the store's balance in KWD is:
        | gross volume  | KWD 1.500 |
        | platform fees | KWD 0.040 |
        | net           | KWD 1.460 |
      And no money was created or lost

  Rule: Only money that moved counts

    Scenario: Payments that did not succeed and refunds still being processed count for nothing
      Given a payment of EUR 20.00
      And a payment of EUR 30.00
      And the gateway reported that the card was declined
      And a payment of EUR 40.00
      And the gateway reported that the payment was canceled
      And a succeeded payment of EUR 100.00
      And the store asked to refund EUR 60.00
      Then the store's balance in EUR is:
        | gross volume  | EUR 100.00 |
        | platform fees | EUR 2.50   |
        | refunds       | EUR 0.00   |
        | fee refunds   | EUR 0.00   |
        | disputed      | EUR 0.00   |
        | net           | EUR 97.50  |

  Rule: Money that came back counts again

    Scenario: A refund that failed after it succeeded
      Given a succeeded payment of EUR 100.00
      And the store refunded EUR 40.00
      And the gateway reported that the refund failed
      Then the store's balance in EUR is:
        | gross volume  | EUR 100.00 |
        | platform fees | EUR 2.50   |
        | refunds       | EUR 0.00   |
        | fee refunds   | EUR 0.00   |
        | net           | EUR 97.50  |
      And no money was created or lost

    Scenario: A won dispute
      Given a succeeded payment of EUR 100.00
      And the gateway reported that the shopper's bank disputed EUR 100.00
      And the gateway reported that the store won the dispute
      Then the store's balance in EUR is:
        | disputed    | EUR 0.00  |
        | fee refunds | EUR 0.00  |
        | net         | EUR 97.50 |
      And the platform's fees in EUR are:
        | collected  | EUR 2.50 |
        | given back | EUR 0.00 |
        | net        | EUR 2.50 |

    Scenario: A lost dispute keeps the money out
      Given a succeeded payment of EUR 100.00
      And the gateway reported that the shopper's bank disputed EUR 100.00
      And the gateway reported that the store lost the dispute
      Then the store's balance in EUR is:
        | gross volume  | EUR 100.00 |
        | platform fees | EUR 2.50   |
        | fee refunds   | EUR 2.50   |
        | disputed      | EUR 100.00 |
        | net           | EUR 0.00   |
      And no money was created or lost
