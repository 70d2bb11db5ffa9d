Feature: Payout settings
  A store chooses how often its balance is paid out to its bank and the smallest amount worth
  paying out, in the store's currency. The gateway makes the payouts, so the schedule the store
  sees is the one the gateway pays out on.

  Rule: The gateway pays a store out on the schedule its settings show

    Scenario: A store that has just completed its onboarding
      Given the store "Kiosk" takes payments in EUR
      Then payouts are weekly
      And the gateway pays the store out weekly

    Scenario Outline: A store chooses <schedule> payouts
      Given the store "Kiosk" takes payments in EUR
      When the store chooses <schedule> payouts
      Then payouts are <schedule>
      And the gateway pays the store out <schedule>

      Examples:
        | schedule |
        | daily    |
        | weekly   |
        | monthly  |
        | manual   |

  Rule: Payouts are daily, weekly, monthly or made only when the store asks

    Scenario: A store asks for hourly payouts
      Given the store "Kiosk" takes payments in EUR
      And the store chose daily payouts
      When the store chooses hourly payouts
      Then it is refused: invalid payout settings
      And payouts are daily
      And the gateway pays the store out daily

  Rule: A payout schedule needs payments to be set up

    Scenario: A store without an account chooses a schedule
      Given a new store "Kiosk" in EUR
      When the store chooses daily payouts
      Then it is refused: payments not set up
      And payouts are weekly

  Rule: The minimum payout is an amount in the store's currency

    Scenario Outline: A store paid in <currency> sets a minimum payout of <minimum>
      Given a new store "Kiosk" in <currency>
      When the store sets a minimum payout of <minimum>
      Then the minimum payout is <minimum>
      And payouts are weekly

      Examples:
        | currency | minimum     |
        | EUR      | EUR 25.00   |
        | JPY      | JPY 5000    |
        | KWD      | KWD 5.500   |
        | HUF      | HUF 5000.00 |

    Scenario: Forints are paid out in whole forints
      Given a new store "Kiosk" in HUF
      When the store sets a minimum payout of HUF 1000.50
      Then it is refused: invalid payout settings
      And the minimum payout is HUF 0.00
