Feature: Tenant isolation
  Stores share the platform, never one another's records. A store asking for, or acting on,
  another store's order, payment, refunds or shopper's cards is told that it does not exist, never
  that it belongs to someone else, and nothing of the other store changes.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the store "Bakery" takes payments in EUR
    And the store "Kiosk" has an order "A-1" of EUR 40.00 for "ana@example.lu"
    And "ana@example.lu" saved a card that succeeds paying order "A-1"
    And the store "Kiosk" refunded EUR 10.00

  Rule: Another store's records are not found

    Scenario Outline: The store "Bakery" tries to <action>
      When the store "Bakery" tries to <action>
      Then it is refused: not found
      And the payment status is partially refunded
      And EUR 30.00 is left to refund
      And the order is processing, its payment partially refunded
      And the cards saved for "ana@example.lu" are:
        | brand | ending | default |
        | visa  | 4242   | no      |

      Examples:
        | action                                   |
        | read Kiosk's order                       |
        | register a payment for Kiosk's order     |
        | read Kiosk's payment and its refunds     |
        | refund Kiosk's payment                   |
        | make Kiosk's shopper's card the default  |
        | remove Kiosk's shopper's card            |

  Rule: A store's lists and balance show only its own records

    Scenario: The store "Bakery" looks at its own records
      Then the store "Bakery" has 0 payments
      And "ana@example.lu" has no saved cards at the store "Bakery"
      And no money has moved for the store "Bakery"
