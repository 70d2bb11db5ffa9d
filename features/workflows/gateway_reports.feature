Feature: Duplicate and out-of-order gateway reports
  The gateway reports what happened to payments, refunds and disputes at least once, late, and in
  no promised order. A report applied twice changes nothing, and the order in which reports arrive
  changes neither where a payment ends up nor the store's balance.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the platform charges the store 2.5 %
    And the store has an order "A-1" of EUR 100.00 for "ana@example.lu"

  Rule: Late, repeated and reordered reports end in the same state as timely ones

    Scenario Outline: A declined card, a retry and two refunds, reported <delivery>
      Given the gateway's reports arrive <delivery>
      And the shopper checked out the order
      And the shopper paid with a card that is declined
      And the shopper paid with a card that succeeds
      And the reports held so far arrived
      And the store refunded EUR 30.00
      And the store refunded EUR 20.00
      When the reports held so far arrive
      Then every report was accepted
      And the payment status is partially refunded
      And the order is processing, its payment partially refunded
      And the refunds give back fee shares of EUR 0.75, EUR 0.50
      And the store's balance in EUR is:
        | gross volume  | EUR 100.00 |
        | platform fees | EUR 2.50   |
        | refunds       | EUR 50.00  |
        | fee refunds   | EUR 1.25   |
        | disputed      | EUR 0.00   |
        | net           | EUR 48.75  |

      Examples:
        | delivery                            |
        | as they happen                      |
        | late, in the order they were sent   |
        | late, newest first                  |
        | late, newest first, each twice      |
        | late, shuffled (draw 1), each twice |
        | late, shuffled (draw 2), some twice |
        | late, shuffled (draw 3), some twice |

  Rule: A dispute reported out of order ends as the bank decided

    Scenario Outline: A dispute the store <outcome>, reported <delivery>
      Given the gateway's reports arrive <delivery>
      And the shopper checked out the order
      And the shopper paid with a card that is later disputed
      And the store <outcome> the dispute
      When the reports held so far arrive
      Then every report was accepted
      And the payment status is <status>
      And the order is processing, its payment <order payment>
      And the store's balance in EUR is:
        | gross volume  | EUR 100.00    |
        | platform fees | EUR 2.50      |
        | fee refunds   | <fee refunds> |
        | disputed      | <disputed>    |
        | net           | <net>         |

      Examples:
        | outcome | delivery                            | status    | order payment | fee refunds | disputed   | net       |
        | won     | as they happen                      | succeeded | paid          | EUR 0.00    | EUR 0.00   | EUR 97.50 |
        | won     | late, newest first, each twice      | succeeded | paid          | EUR 0.00    | EUR 0.00   | EUR 97.50 |
        | won     | late, shuffled (draw 4), some twice | succeeded | paid          | EUR 0.00    | EUR 0.00   | EUR 97.50 |
        | lost    | as they happen                      | disputed  | disputed      | EUR 2.50    | EUR 100.00 | EUR 0.00  |
        | lost    | late, newest first, each twice      | disputed  | disputed      | EUR 2.50    | EUR 100.00 | EUR 0.00  |
        | lost    | late, shuffled (draw 5), some twice | disputed  | disputed      | EUR 2.50    | EUR 100.00 | EUR 0.00  |

  Rule: A refund the gateway fails gives its amount back, whatever order the reports arrive in

    Scenario Outline: A refund that fails, reported <delivery>
      Given the gateway's reports arrive <delivery>
      And the shopper checked out the order
      And the shopper paid with a card that succeeds
      And the reports held so far arrived
      And the gateway will fail the next refund
      And the store refunded EUR 40.00
      And the gateway settled its refunds
      When the reports held so far arrive
      Then every report was accepted
      And the payment status is succeeded
      And EUR 100.00 is left to refund
      And the store's balance in EUR is:
        | gross volume  | EUR 100.00 |
        | refunds       | EUR 0.00   |
        | fee refunds   | EUR 0.00   |
        | net           | EUR 97.50  |

      Examples:
        | delivery                            |
        | as they happen                      |
        | late, newest first                  |
        | late, newest first, each twice      |
        | late, shuffled (draw 6), some twice |
