Feature: Partial and full refunds
  A store gives a shopper money back, all of it or in parts, up to what is left of the payment.
  Each refund gives the store back the platform fee's share of it, so that a payment refunded in
  full has given back exactly its fee. A refund asked twice under the same idempotency key is made
  once, and a refund the gateway fails gives its amount back to what can be refunded.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the platform charges the store 2.5 %
    And order "A-1" of EUR 100.00 was paid by "ana@example.lu"

  Rule: A partial refund gives back the platform fee in proportion

    Scenario: The store refunds part of a payment
      When the store refunds EUR 40.00
      Then the refund is succeeded
      And the refund gives back EUR 1.00 of the platform fee and takes EUR 39.00 from the store
      And the payment status is partially refunded
      And EUR 60.00 is left to refund
      And the gateway has given the shopper back EUR 40.00 in all, with EUR 1.00 of the platform fee
      And the order is processing, its payment partially refunded

  Rule: A payment refunded in full gives back the whole fee

    Scenario: The store refunds the rest after two partial refunds
      Given the store refunded EUR 33.33
      And the store refunded EUR 33.33
      When the store refunds the rest of the payment
      Then the refund is succeeded
      And the refund amounts to EUR 33.34
      And the refunds give back fee shares of EUR 0.83, EUR 0.84, EUR 0.83
      And the payment status is refunded
      And nothing is left to refund
      And the gateway has given the shopper back EUR 100.00 in all, with EUR 2.50 of the platform fee
      And the order is processing, its payment refunded
      And the store's balance in EUR is:
        | gross volume  | EUR 100.00 |
        | platform fees | EUR 2.50   |
        | refunds       | EUR 100.00 |
        | fee refunds   | EUR 2.50   |
        | net           | EUR 0.00   |

  Rule: A refund asked again under the same idempotency key is made once

    Scenario: The same refund is asked twice
      Given the store refunded EUR 10.00 under idempotency key "refund-7"
      When the store refunds EUR 10.00 under idempotency key "refund-7"
      Then the store is given the refund it made first
      And the payment has 1 refund
      And EUR 90.00 is left to refund
      And the gateway has given the shopper back EUR 10.00 in all, with EUR 0.25 of the platform fee

    Scenario: The same key is used for another amount
      Given the store refunded EUR 10.00 under idempotency key "refund-7"
      When the store refunds EUR 15.00 under idempotency key "refund-7"
      Then it is refused: idempotency key reused
      And the payment has 1 refund
      And EUR 90.00 is left to refund

  Rule: A store cannot refund more than is left

    Scenario: A refund above what is left
      Given the store refunded EUR 70.00
      When the store refunds EUR 30.01
      Then it is refused: refund exceeds remaining
      And EUR 30.00 is left to refund

  Rule: Only a paid payment can be refunded

    Scenario: A payment the shopper has not paid yet
      Given the store has an order "A-2" of EUR 20.00 for "bob@example.lu"
      And the shopper checked out the order
      When the store refunds EUR 5.00
      Then it is refused: payment not refundable

  Rule: A refund the gateway fails gives its amount back

    Scenario: The gateway fails a refund after accepting it
      Given the gateway will fail the next refund
      And the store refunded EUR 40.00
      And the refund is pending
      When the gateway settles its refunds
      Then the refund is failed
      And the payment status is succeeded
      And EUR 100.00 is left to refund
      And the gateway has given the shopper back EUR 0.00 in all, with EUR 0.00 of the platform fee
      And the store's balance in EUR is:
        | gross volume  | EUR 100.00 |
        | platform fees | EUR 2.50   |
        | refunds       | EUR 0.00   |
        | fee refunds   | EUR 0.00   |
        | net           | EUR 97.50  |
