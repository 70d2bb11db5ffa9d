Feature: Refunds
  A store gives a shopper money back, all of it or in parts. Each refund gives the store back the
  platform fee's share of it, worked out over all refunds so far, so that the fee refunds of a
  payment refunded in full add up to exactly its fee, however it was split. A refund the gateway
  could not complete gives the amount back to what can be refunded.

  Background:
    Given the platform fee is 2.5 %

  Rule: A refund gives back its share of the platform fee

    Scenario: A full refund gives back the whole fee
      Given a succeeded payment of EUR 100.00
      When the store refunds the payment in full
      Then the payment status is refunded
      And nothing is left to refund
      And the ledger records:
        | movement     | from     | to       | amount     |
        | charge       | shopper  | store    | EUR 100.00 |
        | platform fee | store    | platform | EUR 2.50   |
        | refund       | store    | shopper  | EUR 100.00 |
        | fee refund   | platform | store    | EUR 2.50   |

    Scenario: A partial refund gives back the fee in proportion
      Given a succeeded payment of EUR 100.00
      When the store refunds EUR 40.00
      Then the payment status is partially refunded
      And EUR 60.00 is left to refund
      And the refunds give back fee shares of EUR 1.00
      And the ledger records:
        | movement     | from     | to       | amount     |
        | charge       | shopper  | store    | EUR 100.00 |
        | platform fee | store    | platform | EUR 2.50   |
        | refund       | store    | shopper  | EUR 40.00  |
        | fee refund   | platform | store    | EUR 1.00   |

    @rounding
    Scenario Outline: <total> refunded in three parts gives back exactly the whole fee of <fee>
      Given a succeeded payment of <total>
      When the store refunds <first>
      And the store refunds <second>
      And the store refunds <third>
      Then the payment status is refunded
      And the refunds give back fee shares of <fee shares>
      And the platform fee given back adds up to <fee>, the whole fee

      Examples:
        | total      | first     | second    | third     | fee shares                      | fee       |
        | EUR 100.00 | EUR 33.33 | EUR 33.33 | EUR 33.34 | EUR 0.83, EUR 0.84, EUR 0.83    | EUR 2.50  |
        | EUR 19.99  | EUR 6.66  | EUR 6.66  | EUR 6.67  | EUR 0.17, EUR 0.16, EUR 0.17    | EUR 0.50  |
        | JPY 1000   | JPY 333   | JPY 333   | JPY 334   | JPY 8, JPY 9, JPY 8             | JPY 25    |
        | KWD 1.500  | KWD 0.500 | KWD 0.500 | KWD 0.500 | KWD 0.010, KWD 0.020, KWD 0.010 | KWD 0.040 |

    Scenario: Partial refunds, then a refund of the rest
      Given a succeeded payment of EUR 100.00
      And the store refunded EUR 30.00
      When the store refunds the payment in full
      Then the payment status is refunded
      And the refunds give back fee shares of EUR 0.75 and EUR 1.75
      And the platform fee given back adds up to EUR 2.50, the whole fee

  Rule: A refund can take no more than is left of the payment

    Scenario: A refund above what is left is refused and changes nothing
      Given a succeeded payment of EUR 100.00
      And the store refunded EUR 60.00
      When the store asks to refund EUR 40.01
      Then it is refused: refund exceeds remaining
      And nothing has changed
      And EUR 40.00 is left to refund

    Scenario: A refund still being processed counts against what is left
      Given a succeeded payment of EUR 100.00
      And the store asked to refund EUR 60.00
      When the store asks to refund EUR 50.00
      Then it is refused: refund exceeds remaining
      And nothing has changed

    Scenario: A refunded payment cannot be refunded again
      Given a succeeded payment of EUR 100.00
      And the store refunded the payment in full
      When the store asks to refund EUR 1.00
      Then it is refused: payment not refundable
      And nothing has changed

    Scenario Outline: A refund of <amount> is refused: <why>
      Given a succeeded payment of <total>
      When the store asks to refund <amount>
      Then it is refused: <refusal>
      And nothing has changed

      Examples:
        | total      | amount    | refusal           | why                                  |
        | EUR 100.00 | EUR 0.00  | invalid amount    | nothing to refund                    |
        | EUR 100.00 | USD 10.00 | currency mismatch | the payment was in euros             |
        | KWD 1.500  | KWD 0.005 | invalid amount    | dinars move in steps of KWD 0.010    |
        | EUR 100.00 | EUR 0.001 | invalid amount    | the euro has two decimals            |

  Rule: Only a payment whose money was received can be refunded

    Scenario Outline: A payment that <state> cannot be refunded
      Given a payment of EUR 100.00
      And the gateway reported that <report>
      When the store asks to refund EUR 10.00
      Then it is refused: payment not refundable
      And nothing has changed

      Examples:
        | state                 | report                       |
        | waits for a card      | a payment method is required |
        | waits for 3-D Secure  | 3-D Secure is required       |
        | is processing         | the payment is processing    |
        | failed                | the card was declined        |
        | was canceled          | the payment was canceled     |

    Scenario: A payment under dispute cannot be refunded
      Given a succeeded payment of EUR 100.00
      And the gateway reported that the shopper's bank disputed EUR 100.00
      When the store asks to refund EUR 10.00
      Then it is refused: payment not refundable
      And nothing has changed
      And the payment status is disputed

  Rule: Money moves when the gateway completes the refund; a failed refund gives the amount back

    Scenario: A refund is pending until the gateway completes it
      Given a succeeded payment of EUR 100.00
      When the store asks to refund EUR 60.00
      Then the refund is pending
      And the payment status is succeeded
      And EUR 40.00 is left to refund
      And the ledger records:
        | movement     | from    | to       | amount     |
        | charge       | shopper | store    | EUR 100.00 |
        | platform fee | store   | platform | EUR 2.50   |

    Scenario Outline: A pending refund that <outcome> gives the amount back
      Given a succeeded payment of EUR 100.00
      And the store asked to refund EUR 60.00
      When the gateway reports that the refund <outcome>
      Then the refund is <status>
      And the payment status is succeeded
      And EUR 100.00 is left to refund
      And the ledger records:
        | movement     | from    | to       | amount     |
        | charge       | shopper | store    | EUR 100.00 |
        | platform fee | store   | platform | EUR 2.50   |

      Examples:
        | outcome      | status   |
        | failed       | failed   |
        | was canceled | canceled |

    Scenario: A refund that succeeded and failed later is reversed in the ledger
      Given a succeeded payment of EUR 100.00
      And the store refunded EUR 40.00
      When the gateway reports that the refund failed
      Then the refund is failed
      And the payment status is succeeded
      And EUR 100.00 is left to refund
      And the ledger records:
        | movement            | from     | to       | amount     |
        | charge              | shopper  | store    | EUR 100.00 |
        | platform fee        | store    | platform | EUR 2.50   |
        | refund              | store    | shopper  | EUR 40.00  |
        | fee refund          | platform | store    | EUR 1.00   |
        | refund reversal     | shopper  | store    | EUR 40.00  |
        | fee refund reversal | store    | platform | EUR 1.00   |

    @gateway_reports
    Scenario Outline: A refund's success and failure arriving in the order <order> end the same
      Given a succeeded payment of EUR 100.00
      And the store asked to refund EUR 40.00
      And the gateway made these reports:
        | at    | report                |
        | 10:10 | the refund succeeded  |
        | 10:20 | the refund failed     |
      When they arrive in the order <order>
      Then the refund is failed
      And the payment status is succeeded
      And EUR 100.00 is left to refund
      And the store's balance in EUR is:
        | refunds     | EUR 0.00  |
        | fee refunds | EUR 0.00  |
        | net         | EUR 97.50 |

      Examples:
        | order        |
        | 10:10, 10:20 |
        | 10:20, 10:10 |

    @gateway_reports
    Scenario: The same refund report twice changes nothing
      Given a succeeded payment of EUR 100.00
      And the store asked to refund EUR 40.00
      And the gateway reported that the refund succeeded
      When the same report arrives again
      Then nothing has changed
      And the payment status is partially refunded

  Rule: A refund made at the gateway directly counts like any other

    Scenario: A refund made from the gateway's dashboard
      Given a succeeded payment of EUR 100.00
      When the gateway reports that EUR 10.00 was refunded from the gateway's dashboard
      Then the payment status is partially refunded
      And EUR 90.00 is left to refund
      And the refunds give back fee shares of EUR 0.25
