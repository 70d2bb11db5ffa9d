Feature: Disputes
  A shopper's bank can dispute a payment (test card 4000 0000 0000 0259 is paid, then disputed).
  The disputed amount is taken from the store as soon as the dispute opens, and the platform gives
  back its fee's share of it. The money comes back (and the fee share goes back to the platform)
  when the store wins the dispute; it is gone for good when the store loses it.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the platform charges the store 2.5 %
    And the store has an order "A-1" of EUR 80.00 for "ana@example.lu"
    And the shopper checked out the order

  Rule: An open dispute takes the disputed amount from the store

    Scenario: The shopper's bank disputes the payment
      When the shopper pays with a card that is later disputed
      Then the payment status is disputed
      And the order is processing, its payment disputed
      And the store's balance in EUR is:
        | gross volume  | EUR 80.00 |
        | platform fees | EUR 2.00  |
        | fee refunds   | EUR 2.00  |
        | disputed      | EUR 80.00 |
        | net           | EUR 0.00  |

  Rule: A won dispute gives the money back

    Scenario: The store wins the dispute
      Given the shopper paid with a card that is later disputed
      When the store wins the dispute
      Then the payment status is succeeded
      And the order is processing, its payment paid
      And the store's balance in EUR is:
        | gross volume  | EUR 80.00 |
        | platform fees | EUR 2.00  |
        | fee refunds   | EUR 0.00  |
        | disputed      | EUR 0.00  |
        | net           | EUR 78.00 |

    Scenario: The store refunds a payment whose dispute it won
      Given the shopper paid with a card that is later disputed
      And the store won the dispute
      When the store refunds EUR 20.00
      Then the payment status is partially refunded
      And EUR 60.00 is left to refund

  Rule: A lost dispute keeps the money taken

    Scenario: The store loses the dispute
      Given the shopper paid with a card that is later disputed
      When the store loses the dispute
      Then the payment status is disputed
      And the order is processing, its payment disputed
      And the store's balance in EUR is:
        | gross volume  | EUR 80.00 |
        | platform fees | EUR 2.00  |
        | fee refunds   | EUR 2.00  |
        | disputed      | EUR 80.00 |
        | net           | EUR 0.00  |

  Rule: A disputed payment cannot be refunded

    Scenario: The store tries to refund a payment under dispute
      Given the shopper paid with a card that is later disputed
      When the store refunds EUR 10.00
      Then it is refused: payment not refundable
