Feature: Checkout and the fee breakdown
  A shopper pays a store's order at the storefront. Before paying, the storefront shows how the
  payment divides: the platform keeps its fee and the store gets the rest. Checking out opens one
  payment for the order, and only for the order as the store registered it: its amount, its
  currency and its customer.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the platform charges the store 2.5 %
    And the store has an order "A-1" of EUR 19.99 for "ana@example.lu"

  Rule: The storefront shows how a payment divides before the shopper pays

    Scenario Outline: The fee on <total> at <fee policy>
      Given the platform charges the store <fee policy>
      When the storefront previews the fee on <total>
      Then of <total> the platform keeps <fee> and the store <store share>

      Examples:
        | fee policy          | total      | fee      | store share |
        | 2.5 %               | EUR 19.99  | EUR 0.50 | EUR 19.49   |
        | 2.5 %               | EUR 100.00 | EUR 2.50 | EUR 97.50   |
        | 1.4 % plus EUR 0.25 | EUR 19.99  | EUR 0.53 | EUR 19.46   |

    Scenario: The fee on an amount too small to charge
      When the storefront previews the fee on EUR 0.49
      Then it is refused: amount too small

  Rule: Checking out opens a payment for the order, divided as previewed

    Scenario: A shopper checks out an order
      When the shopper checks out the order
      Then the payment status is pending
      And of EUR 19.99 the platform keeps EUR 0.50 and the store EUR 19.49
      And the gateway charges EUR 19.99, keeping EUR 0.50 for the platform and sending the rest to the store's account
      And the order is pending, its payment pending

    Scenario: The customer's email is matched whatever its case
      When the shopper "Ana@Example.LU" checks out the order for EUR 19.99
      Then the payment status is pending

  Rule: An order has one open payment: checking out again gives the same one

    Scenario: A shopper checks out twice
      Given the shopper checked out the order
      When the shopper checks out the order
      Then the shopper is given the same payment as before
      And the store has 1 payment

  Rule: Only a store that takes payments can be paid

    Scenario: A store that has not set up payments
      Given a new store "Bakery" in EUR
      And the store has an order "B-1" of EUR 10.00 for "ana@example.lu"
      When the shopper checks out the order
      Then it is refused: payments not enabled

  Rule: Only the store's own orders can be paid at its checkout

    Scenario: An order the store never registered
      When the shopper checks out an order the store never registered
      Then it is refused: not found

    Scenario: Another store's order
      Given the store "Bakery" takes payments in EUR
      And the store has an order "B-1" of EUR 19.99 for "ana@example.lu"
      When the shopper checks out order "B-1" at the store "Kiosk"
      Then it is refused: not found

  Rule: The shopper pays the order as the store registered it

    Scenario Outline: Checking out <what>
      When the shopper "<shopper>" checks out the order for <amount>
      Then it is refused: <refusal>

      Examples:
        | what                | shopper        | amount    | refusal           |
        | for another amount  | ana@example.lu | EUR 18.99 | amount mismatch   |
        | in another currency | ana@example.lu | USD 19.99 | currency mismatch |
        | as another customer | bob@example.lu | EUR 19.99 | customer mismatch |

  Rule: A paid order cannot be paid again

    Scenario: Checking out an order already paid
      Given the shopper checked out the order
      And the shopper paid with a card that succeeds
      When the shopper checks out the order
      Then it is refused: order already paid
