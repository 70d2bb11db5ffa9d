Feature: A declined card and a retry
  A card can be declined. The payment then fails with the bank's reason, nothing is charged, and
  the order still waits for its payment: the shopper may try again, with the same payment, until a
  card goes through. Test cards: 4000 0000 0000 0002 is declined, 4000 0000 0000 9995 has
  insufficient funds, 4242 4242 4242 4242 succeeds.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the platform charges the store 2.5 %
    And the store has an order "A-1" of EUR 19.99 for "ana@example.lu"
    And the shopper checked out the order

  Rule: A declined card fails the payment with the bank's reason

    Scenario Outline: A card <declined>
      When the shopper pays with a card <declined>
      Then the payment status is failed
      And the payment failed because of <reason>
      And the order is pending, its payment failed
      And no money has moved for the store

      Examples:
        | declined                | reason             |
        | that is declined        | card declined      |
        | with insufficient funds | insufficient funds |

  Rule: The shopper may try again until a card goes through

    Scenario: Declined, then insufficient funds, then paid
      When the shopper pays with a card that is declined
      Then the order is pending, its payment failed
      When the shopper checks out the order again
      Then the shopper is given the same payment as before
      When the shopper pays with a card with insufficient funds
      Then the payment failed because of insufficient funds
      And the order is pending, its payment failed
      When the shopper pays with a card that succeeds
      Then the payment status is succeeded
      And the order is processing, its payment paid
      And the store's balance in EUR is:
        | gross volume  | EUR 19.99 |
        | platform fees | EUR 0.50  |
        | refunds       | EUR 0.00  |
        | net           | EUR 19.49 |
