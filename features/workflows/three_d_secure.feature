Feature: 3-D Secure
  Some cards ask the shopper to confirm the payment with their bank (3-D Secure; test card
  4000 0025 0000 3155). The payment waits for that step. It goes through when the shopper passes
  it and fails when they do not, after which the shopper may pay again.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the platform charges the store 2.5 %
    And the store has an order "A-1" of EUR 50.00 for "ana@example.lu"
    And the shopper checked out the order

  Rule: A payment waits while the shopper's bank asks for confirmation

    Scenario: The bank asks the shopper to confirm
      When the shopper pays with a card that needs 3-D Secure
      Then the payment status is requires action
      And the order is pending, its payment pending
      And no money has moved for the store

  Rule: Passing 3-D Secure completes the payment

    Scenario: The shopper confirms with their bank
      Given the shopper paid with a card that needs 3-D Secure
      When the shopper passes 3-D Secure
      Then the payment status is succeeded
      And the order is processing, its payment paid
      And the store's balance in EUR is:
        | gross volume  | EUR 50.00 |
        | platform fees | EUR 1.25  |
        | net           | EUR 48.75 |

  Rule: Failing 3-D Secure fails the payment, and the shopper may pay again

    Scenario: The shopper fails to confirm
      Given the shopper paid with a card that needs 3-D Secure
      When the shopper fails 3-D Secure
      Then the payment status is failed
      And the payment failed because of payment intent authentication failure
      And the order is pending, its payment failed
      And no money has moved for the store

    Scenario: The shopper pays with another card after failing
      Given the shopper paid with a card that needs 3-D Secure
      And the shopper failed 3-D Secure
      When the shopper pays with a card that succeeds
      Then the payment status is succeeded
      And the order is processing, its payment paid
