Feature: Registering orders
  A store registers each order under its own reference. Registering a reference again with the
  same details is harmless and gives back the order already registered; with other details it is a
  conflict. References belong to their store: two stores may use the same one. A store is paid in
  its own currency: its orders are in that currency, so its fees apply to every one of them.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the store has an order "A-1" of EUR 19.99 for "ana@example.lu"

  Rule: Registering an order again with the same details gives back the same order

    Scenario Outline: The order "A-1" is registered again for "<customer>"
      When the store registers order "A-1" of EUR 19.99 for "<customer>"
      Then the store is given back the order it registered first
      And the order is pending, its payment pending

      Examples:
        | customer       |
        | ana@example.lu |
        | Ana@Example.LU |

    Scenario: An order registered again after it was paid
      Given the shopper checked out the order
      And the shopper paid with a card that succeeds
      When the store registers order "A-1" of EUR 19.99 for "ana@example.lu"
      Then the store is given back the order it registered first
      And the order is processing, its payment paid

  Rule: A reference already used with other details is a conflict

    Scenario Outline: The order "A-1" is registered again <what>
      When the store registers order "A-1" of <amount> for "<customer>"
      Then it is refused: order reference conflict
      And the order is of EUR 19.99 for "ana@example.lu"

      Examples:
        | what                 | amount    | customer       |
        | for another amount   | EUR 29.99 | ana@example.lu |
        | in another currency  | USD 19.99 | ana@example.lu |
        | for another customer | EUR 19.99 | bob@example.lu |

  Rule: Two stores may use the same reference

    Scenario: Another store registers its own order "A-1"
      Given the store "Bakery" takes payments in EUR
      When the store "Bakery" registers order "A-1" of EUR 5.00 for "bob@example.lu"
      Then it is a new order of EUR 5.00 for "bob@example.lu"
      And the order "A-1" of the store "Kiosk" is of EUR 19.99 for "ana@example.lu"

  Rule: An order is in the store's currency

    Scenario: An order in another currency than the store's is refused
      When the store registers order "A-2" of USD 19.99 for "ana@example.lu"
      Then it is refused: store currency mismatch
      And the order is of EUR 19.99 for "ana@example.lu"
