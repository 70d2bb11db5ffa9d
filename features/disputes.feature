Feature: Disputes
  A shopper's bank can dispute a payment (a chargeback). The disputed amount leaves the store as
  soon as the dispute opens, and the platform gives back the fee's share of it, worked out
  together with the refunds so that a payment taken back in full gives back exactly its fee.
  A won dispute brings the money back; a lost one keeps it gone.

  Background:
    Given the platform fee is 2.5 %

  Rule: An opened dispute withdraws the disputed amount and gives back the fee's share of it

    Scenario: A dispute over the whole payment
      Given a succeeded payment of EUR 100.00
      When the gateway reports that the shopper's bank disputed EUR 100.00
      Then the payment status is disputed
      And nothing is left to refund
      And the dispute gives back EUR 2.50 of the platform fee
      And the ledger records:
        | movement     | from     | to       | amount     |
        | charge       | shopper  | store    | EUR 100.00 |
        | platform fee | store    | platform | EUR 2.50   |
        | dispute      | store    | shopper  | EUR 100.00 |
        | fee refund   | platform | store    | EUR 2.50   |

    @rounding
    Scenario Outline: A dispute over <disputed> of <total> gives back <share> of the fee
      Given a succeeded payment of <total>
      When the gateway reports that the shopper's bank disputed <disputed>
      Then the payment status is disputed
      And the dispute gives back <share> of the platform fee

      Examples:
        | total      | disputed  | share     |
        | EUR 100.00 | EUR 40.00 | EUR 1.00  |
        | EUR 19.99  | EUR 10.00 | EUR 0.25  |
        | JPY 999    | JPY 500   | JPY 13    |
        | KWD 1.500  | KWD 0.750 | KWD 0.020 |

    Scenario: A dispute proves the payment succeeded, even before the gateway says so
      Given a payment of EUR 100.00
      When the gateway reports at 10:10 that the shopper's bank disputed EUR 100.00
      Then the payment status is disputed
      And the ledger records:
        | movement     | from     | to       | amount     |
        | charge       | shopper  | store    | EUR 100.00 |
        | platform fee | store    | platform | EUR 2.50   |
        | dispute      | store    | shopper  | EUR 100.00 |
        | fee refund   | platform | store    | EUR 2.50   |
      When the gateway reports at 10:05 that the payment succeeded
      Then nothing has changed

  Rule: A won dispute brings the money back

    Scenario: The store wins a dispute
      Given a succeeded payment of EUR 100.00
      And the gateway reported that the shopper's bank disputed EUR 100.00
      When the gateway reports that the store won the dispute
      Then the payment status is succeeded
      And EUR 100.00 is left to refund
      And the dispute gives back EUR 0.00 of the platform fee
      And the ledger records:
        | movement            | from     | to       | amount     |
        | charge              | shopper  | store    | EUR 100.00 |
        | platform fee        | store    | platform | EUR 2.50   |
        | dispute             | store    | shopper  | EUR 100.00 |
        | fee refund          | platform | store    | EUR 2.50   |
        | dispute reversal    | shopper  | store    | EUR 100.00 |
        | fee refund reversal | store    | platform | EUR 2.50   |

    Scenario: A partially refunded payment that wins a dispute is partially refunded again
      Given a succeeded payment of EUR 100.00
      And the store refunded EUR 40.00
      And the gateway reported that the shopper's bank disputed EUR 60.00
      When the gateway reports that the store won the dispute
      Then the payment status is partially refunded
      And EUR 60.00 is left to refund

  Rule: A lost dispute keeps the money gone

    Scenario: The store loses a dispute
      Given a succeeded payment of EUR 100.00
      And the gateway reported that the shopper's bank disputed EUR 100.00
      When the gateway reports that the store lost the dispute
      Then the payment status is disputed
      And nothing is left to refund
      And the dispute gives back EUR 2.50 of the platform fee
      And the ledger records:
        | movement     | from     | to       | amount     |
        | charge       | shopper  | store    | EUR 100.00 |
        | platform fee | store    | platform | EUR 2.50   |
        | dispute      | store    | shopper  | EUR 100.00 |
        | fee refund   | platform | store    | EUR 2.50   |

  Rule: Refunds and disputes together give back exactly the whole fee

    @rounding
    Scenario Outline: <total> refunded by <refunded>, then disputed for the rest
      Given a succeeded payment of <total>
      And the store refunded <refunded>
      When the gateway reports that the shopper's bank disputed <disputed>
      Then the payment status is disputed
      And nothing is left to refund
      And the refunds give back fee shares of <refund share>
      And the dispute gives back <dispute share> of the platform fee
      And the platform fee given back adds up to <fee>, the whole fee

      Examples:
        | total      | refunded  | disputed  | refund share | dispute share | fee      |
        | EUR 100.00 | EUR 33.33 | EUR 66.67 | EUR 0.83     | EUR 1.67      | EUR 2.50 |
        | EUR 100.00 | EUR 40.00 | EUR 60.00 | EUR 1.00     | EUR 1.50      | EUR 2.50 |
        | EUR 19.99  | EUR 6.66  | EUR 13.33 | EUR 0.17     | EUR 0.33      | EUR 0.50 |
        | JPY 999    | JPY 333   | JPY 666   | JPY 8        | JPY 17        | JPY 25   |

  Rule: Reports about a dispute end the same whatever their order and however often they arrive

    @gateway_reports
    Scenario Outline: A dispute opened and won, the reports arriving in the order <order>
      Given a succeeded payment of EUR 100.00
      And the gateway made these reports:
        | at    | report                                 |
        | 10:10 | the shopper's bank disputed EUR 100.00 |
        | 10:20 | the store won the dispute              |
      When they arrive in the order <order>
      Then the payment status is succeeded
      And EUR 100.00 is left to refund
      And the store's balance in EUR is:
        | disputed    | EUR 0.00  |
        | fee refunds | EUR 0.00  |
        | net         | EUR 97.50 |

      Examples:
        | order        |
        | 10:10, 10:20 |
        | 10:20, 10:10 |

    @gateway_reports
    Scenario: The same dispute report twice changes nothing
      Given a succeeded payment of EUR 100.00
      And the gateway reported that the shopper's bank disputed EUR 100.00
      When the same report arrives again
      Then nothing has changed
      And the payment status is disputed
