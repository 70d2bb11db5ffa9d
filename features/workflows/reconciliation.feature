Feature: Reconciliation heals lost reports
  A report from the gateway can be lost on the way. Reconciliation asks the gateway where each
  payment and refund stands that has waited too long (15 minutes) for an outcome, and brings it up
  to date, so a lost report heals itself. Reports that turn up late after all change nothing more.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the platform charges the store 2.5 %
    And the store has an order "A-1" of EUR 25.00 for "ana@example.lu"
    And the gateway's reports are lost on the way
    And the shopper checked out the order
    And the shopper paid with a card that succeeds

  Rule: A payment whose report was lost is brought up to date once it has waited long enough

    Scenario: Reconciliation finds the payment paid
      Given the payment status is pending
      When 20 minutes pass
      And reconciliation runs
      Then reconciliation brought 1 payment up to date
      And the payment status is succeeded
      And the order is processing, its payment paid
      And the store's balance in EUR is:
        | gross volume  | EUR 25.00 |
        | platform fees | EUR 0.63  |
        | net           | EUR 24.37 |

    Scenario: A payment that has not waited long enough is left alone
      When 5 minutes pass
      And reconciliation runs
      Then reconciliation brought 0 payments up to date
      And the payment status is pending
      And the order is pending, its payment pending

  Rule: Reports that turn up after reconciliation change nothing more

    Scenario: The lost reports arrive twice after reconciliation
      Given 20 minutes have passed
      And reconciliation ran
      When the lost reports arrive after all, each twice
      Then every report was accepted
      And the payment status is succeeded
      And the order is processing, its payment paid
      And the store's balance in EUR is:
        | gross volume  | EUR 25.00 |
        | platform fees | EUR 0.63  |
        | net           | EUR 24.37 |

  Rule: A refund whose outcome report was lost is brought up to date

    Scenario: The gateway failed a refund and the report was lost
      Given 20 minutes have passed
      And reconciliation ran
      And the gateway will fail the next refund
      And the store refunded EUR 10.00
      And the gateway settled its refunds
      When 20 minutes pass
      And reconciliation runs
      Then the refund is failed
      And EUR 25.00 is left to refund
      And the store's balance in EUR is:
        | refunds | EUR 0.00  |
        | net     | EUR 24.37 |
