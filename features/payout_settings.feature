Feature: Payout settings
  A store chooses how often its balance is paid out to its bank (daily, weekly, monthly, or only
  when it asks) and the smallest amount worth paying out, in the store's currency.

  Rule: A new store is paid weekly on Mondays, whatever the amount

    Scenario: The settings of a new store
      Given a store paid out in EUR
      Then payouts are weekly on Monday
      And the minimum payout is EUR 0.00

  Rule: A store is paid out daily, weekly, monthly or only when it asks

    Scenario Outline: A store chooses <schedule> payouts
      Given a store paid out in EUR
      When the store chooses <schedule> payouts
      Then it is accepted
      And payouts are <paid>

      Examples:
        | schedule | paid                           |
        | daily    | daily                          |
        | weekly   | weekly on Monday               |
        | monthly  | monthly on day 1               |
        | manual   | made only when the store asks  |

    Scenario Outline: A store cannot choose <schedule> payouts
      Given a store paid out in EUR
      When the store chooses <schedule> payouts
      Then it is refused: invalid payout settings
      And the payout settings have not changed

      Examples:
        | schedule |
        | hourly   |
        | yearly   |

  Rule: Weekly payouts are made on Monday unless the store chooses another day

    Scenario Outline: Weekly payouts on <day>
      Given a store paid out in EUR
      When the store chooses weekly payouts on <day>
      Then it is accepted
      And payouts are weekly on <day>

      Examples:
        | day       |
        | Monday    |
        | Wednesday |
        | Friday    |
        | Sunday    |

    Scenario Outline: Only weekly payouts have a day of the week (<schedule>)
      Given a store paid out in EUR
      When the store chooses <schedule> payouts on Friday
      Then it is refused: invalid payout settings
      And the payout settings have not changed

      Examples:
        | schedule |
        | daily    |
        | monthly  |
        | manual   |

  Rule: Monthly payouts are made on a day from 1 to 31

    Scenario Outline: Monthly payouts on day <day>
      Given a store paid out in EUR
      When the store chooses monthly payouts on day <day>
      Then it is accepted
      And payouts are monthly on day <day>

      Examples:
        | day |
        | 1   |
        | 15  |
        | 28  |
        | 31  |

    Scenario Outline: Monthly payouts cannot be made on day <day>
      Given a store paid out in EUR
      When the store chooses monthly payouts on day <day>
      Then it is refused: invalid payout settings
      And the payout settings have not changed

      Examples:
        | day |
        | 0   |
        | 32  |
        | -1  |

    Scenario: Only monthly payouts have a day of the month
      Given a store paid out in EUR
      When the store chooses weekly payouts on day 15
      Then it is refused: invalid payout settings
      And the payout settings have not changed

  Rule: The minimum payout is an amount in the store's currency

    Scenario Outline: A store paid out in <currency> sets a minimum payout of <minimum>
      Given a store paid out in <currency>
      When the store sets a minimum payout of <minimum>
      Then it is accepted
      And the minimum payout is <minimum>
      And payouts are weekly on Monday

      Examples:
        | currency | minimum     |
        | EUR      | EUR 25.00   |
        | EUR      | EUR 0.00    |
        | JPY      | JPY 1000    |
        | KWD      | KWD 5.500   |
        | HUF      | HUF 5000.00 |
        | TWD      | TWD 300.00  |

    Scenario Outline: A minimum payout of <minimum> is refused: <why>
      Given a store paid out in <currency>
      When the store sets a minimum payout of <minimum>
      Then it is refused: invalid payout settings
      And the payout settings have not changed

      Examples:
        | currency | minimum     | why                                  |
        | EUR      | EUR -1.00   | a minimum payout cannot be negative  |
        | EUR      | USD 25.00   | not the store's currency             |
        | HUF      | HUF 1000.50 | forints are paid out in whole forints |
        | TWD      | TWD 300.25  | dollars are paid out in whole dollars |

    Scenario: A schedule and a minimum payout chosen together
      Given a store paid out in EUR
      When the store chooses monthly payouts on day 31
      And the store sets a minimum payout of EUR 100.00
      Then payouts are monthly on day 31
      And the minimum payout is EUR 100.00
