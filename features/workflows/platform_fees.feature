Feature: Platform fees and store balances after a day of trading
  The platform reads the commission it collected and gave back, in each currency, in total and per
  store. Each store reads its own balance: net = gross volume - platform fees - refunds
  + fee refunds - disputed. Only money that moved counts: a declined card counts for nothing.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the platform charges the store 2.5 %
    And the store "Tokyo Deli" takes payments in JPY
    And the platform charges the store 5 %

  Rule: The platform's fees and each store's balance add up what happened

    Scenario: A day of payments, a refund, a lost dispute and a declined card
      Given the store "Kiosk" has an order "A-1" of EUR 100.00 for "ana@example.lu"
      And the shopper checked out the order
      And the shopper paid with a card that succeeds
      And the store refunded EUR 40.00
      And the store has an order "A-2" of EUR 20.00 for "bob@example.lu"
      And the shopper checked out the order
      And the shopper paid with a card that is later disputed
      And the store lost the dispute
      And the store has an order "A-3" of EUR 10.00 for "cy@example.lu"
      And the shopper checked out the order
      And the shopper paid with a card that is declined
      And the store "Tokyo Deli" has an order "T-1" of JPY 1999 for "dai@example.jp"
      And the shopper checked out the order
      And the shopper paid with a card that succeeds
      Then the balance of the store "Kiosk" in EUR is:
        | gross volume  | EUR 120.00 |
        | platform fees | EUR 3.00   |
        | refunds       | EUR 40.00  |
        | fee refunds   | EUR 1.50   |
        | disputed      | EUR 20.00  |
        | net           | EUR 58.50  |
      And the balance of the store "Tokyo Deli" in JPY is:
        | gross volume  | JPY 1999 |
        | platform fees | JPY 100  |
        | net           | JPY 1899 |
      And the platform's fees in EUR are:
        | collected  | EUR 3.00 |
        | given back | EUR 1.50 |
        | net        | EUR 1.50 |
      And the platform's fees in JPY are:
        | collected  | JPY 100 |
        | given back | JPY 0   |
        | net        | JPY 100 |
      And the platform's fees from the store "Kiosk" in EUR are:
        | collected  | EUR 3.00 |
        | given back | EUR 1.50 |
        | net        | EUR 1.50 |
      And the platform's fees from the store "Tokyo Deli" in JPY are:
        | net | JPY 100 |
