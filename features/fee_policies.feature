Feature: Fee policies
  The platform's commission on a payment: a percentage of the total plus a fixed fee, kept between
  a minimum and a maximum fee, and never more than the payment itself. The store gets the rest,
  so the platform fee and the store's share always add up to the total. The percentage is rounded
  half up to the smallest amount the currency is charged in.

  Rule: The fee is the percentage of the total, rounded half up

    @rounding
    Scenario Outline: <rate> of <total> is a fee of <fee>
      Given the platform fee is <rate>
      When a shopper pays <total>
      Then the platform fee is <fee>
      And the store gets <store>

      Examples:
        | rate     | total       | fee       | store      |
        | 2.5 %    | EUR 19.99   | EUR 0.50  | EUR 19.49  |
        | 2.5 %    | EUR 100.00  | EUR 2.50  | EUR 97.50  |
        | 2.5 %    | EUR 0.20    | EUR 0.01  | EUR 0.19   |
        | 2.5 %    | EUR 0.19    | EUR 0.00  | EUR 0.19   |
        | 1.2345 % | EUR 1000.00 | EUR 12.35 | EUR 987.65 |
        | 2.9 %    | USD 10.00   | USD 0.29  | USD 9.71   |
        | 0 %      | EUR 50.00   | EUR 0.00  | EUR 50.00  |
        | 100 %    | EUR 50.00   | EUR 50.00 | EUR 0.00   |

    @rounding
    Scenario Outline: In a currency without decimals, <rate> of <total> is <fee>
      Given the platform fee is <rate>
      When a shopper pays <total>
      Then the platform fee is <fee>
      And the store gets <store>

      Examples:
        | rate  | total    | fee    | store    |
        | 2.5 % | JPY 999  | JPY 25 | JPY 974  |
        | 2.5 % | JPY 1000 | JPY 25 | JPY 975  |
        | 2.5 % | JPY 20   | JPY 1  | JPY 19   |
        | 2.5 % | JPY 19   | JPY 0  | JPY 19   |
        | 3 %   | KRW 1050 | KRW 32 | KRW 1018 |

    @rounding
    Scenario Outline: In a currency with three decimals, <rate> of <total> is <fee>, a multiple of 0.010
      Given the platform fee is <rate>
      When a shopper pays <total>
      Then the platform fee is <fee>
      And the store gets <store>

      Examples:
        | rate  | total      | fee       | store     |
        | 2.5 % | KWD 1.500  | KWD 0.040 | KWD 1.460 |
        | 2.5 % | KWD 10.000 | KWD 0.250 | KWD 9.750 |
        | 2.5 % | BHD 0.200  | BHD 0.010 | BHD 0.190 |
        | 2.5 % | BHD 0.190  | BHD 0.000 | BHD 0.190 |

  Rule: A fixed fee is added to the percentage

    Scenario Outline: 2.9 % plus EUR 0.30 of <total> is <fee>
      Given the fee policy:
        | percentage | 2.9 %    |
        | fixed fee  | EUR 0.30 |
      When a shopper pays <total>
      Then the platform fee is <fee>
      And the store gets <store>

      Examples:
        | total     | fee      | store     |
        | EUR 10.00 | EUR 0.59 | EUR 9.41  |
        | EUR 19.99 | EUR 0.88 | EUR 19.11 |

  Rule: The fee is never below the minimum fee

    Scenario Outline: 2.5 % of <total> with a minimum fee of EUR 0.50 is <fee>
      Given the fee policy:
        | percentage  | 2.5 %    |
        | minimum fee | EUR 0.50 |
      When a shopper pays <total>
      Then the platform fee is <fee>
      And the store gets <store>

      Examples:
        | total     | fee      | store     |
        | EUR 10.00 | EUR 0.50 | EUR 9.50  |
        | EUR 20.00 | EUR 0.50 | EUR 19.50 |
        | EUR 40.00 | EUR 1.00 | EUR 39.00 |

  Rule: The fee is never above the maximum fee

    Scenario Outline: 2.5 % of <total> with a maximum fee of EUR 10.00 is <fee>
      Given the fee policy:
        | percentage  | 2.5 %     |
        | maximum fee | EUR 10.00 |
      When a shopper pays <total>
      Then the platform fee is <fee>
      And the store gets <store>

      Examples:
        | total       | fee       | store      |
        | EUR 200.00  | EUR 5.00  | EUR 195.00 |
        | EUR 400.00  | EUR 10.00 | EUR 390.00 |
        | EUR 1000.00 | EUR 10.00 | EUR 990.00 |

  Rule: The fee is never above the total

    Scenario Outline: A fee of 2.5 % plus EUR 0.30, at least EUR 1.00, on <total> is <fee>
      Given the fee policy:
        | percentage  | 2.5 %    |
        | fixed fee   | EUR 0.30 |
        | minimum fee | EUR 1.00 |
      When a shopper pays <total>
      Then the platform fee is <fee>
      And the store gets <store>

      Examples:
        | total     | fee      | store     |
        | EUR 0.20  | EUR 0.20 | EUR 0.00  |
        | EUR 0.80  | EUR 0.80 | EUR 0.00  |
        | EUR 0.00  | EUR 0.00 | EUR 0.00  |
        | EUR 10.00 | EUR 1.00 | EUR 9.00  |
        | EUR 40.00 | EUR 1.30 | EUR 38.70 |

  Rule: Fixed, minimum and maximum fees apply only to payments in their currency

    Scenario: A percentage alone applies to payments in any currency
      Given the platform fee is 2.5 %
      When a shopper pays JPY 1000
      Then the platform fee is JPY 25
      And the store gets JPY 975

    Scenario: A policy with a fee in euros does not apply to a payment in yen
      Given the fee policy:
        | percentage | 2.5 %    |
        | fixed fee  | EUR 0.30 |
      When a shopper pays JPY 1000
      Then it is refused: currency mismatch

    Scenario: No fee applies to a negative total
      Given the platform fee is 2.5 %
      When a shopper pays EUR -10.00
      Then it is refused: invalid fee policy

  Rule: A policy that cannot be applied as written is refused

    Scenario Outline: A fee policy is refused: <why>
      When the platform sets the fee policy:
        | percentage  | <percentage> |
        | fixed fee   | <fixed>      |
        | minimum fee | <minimum>    |
        | maximum fee | <maximum>    |
      Then it is refused: <refusal>

      Examples:
        | percentage | fixed     | minimum  | maximum  | refusal            | why                                    |
        | 100.5 %    | none      | none     | none     | invalid fee policy | more than 100 %                        |
        | -1 %       | none      | none     | none     | invalid fee policy | a negative percentage                  |
        | 2.55555 %  | none      | none     | none     | invalid fee policy | more than four decimals                |
        | 2,5 %      | none      | none     | none     | invalid fee policy | a comma for a decimal point            |
        | 2.5 %      | EUR -0.30 | none     | none     | invalid fee policy | a negative fixed fee                   |
        | 2.5 %      | none      | EUR 1.00 | EUR 0.50 | invalid fee policy | a maximum below the minimum            |
        | 2.5 %      | KWD 0.005 | none     | none     | invalid fee policy | dinars are charged in steps of 0.010   |
        | 2.5 %      | EUR 0.30  | USD 0.50 | none     | currency mismatch  | fees in two currencies                 |
        | 2.5 %      | EUR 0.305 | none     | none     | invalid amount     | more decimals than the euro has        |

    Scenario: A policy with equal minimum and maximum fees charges that fee
      When the platform sets the fee policy:
        | percentage  | 2.5 %    |
        | minimum fee | EUR 1.00 |
        | maximum fee | EUR 1.00 |
      Then it is accepted
      When a shopper pays EUR 500.00
      Then the platform fee is EUR 1.00
