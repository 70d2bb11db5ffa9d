Feature: Money
  An amount is a whole number of a currency's smallest unit, written as the currency code, a
  space and the amount: EUR 19.99, JPY 1000, KWD 1.500. Each currency has the number of decimals
  the payment gateway charges it in. An amount is read exactly as written and never rounded on
  the way in; amounts in different currencies never mix; and an amount split into parts keeps
  every smallest unit.

  Rule: Each currency has the decimals the gateway charges it in

    Scenario Outline: <currency> amounts have <decimals> decimals
      When the currency "<currency>" is looked up
      Then its amounts have <decimals> decimals
      And its smallest amount is written <smallest>

      Examples:
        | currency | decimals | smallest  |
        | EUR      | 2        | EUR 0.01  |
        | USD      | 2        | USD 0.01  |
        | JPY      | 0        | JPY 1     |
        | KRW      | 0        | KRW 1     |
        | MGA      | 0        | MGA 1     |
        | KWD      | 3        | KWD 0.001 |
        | BHD      | 3        | BHD 0.001 |
        | HUF      | 2        | HUF 0.01  |
        | eur      | 2        | EUR 0.01  |

    Scenario Outline: "<code>" is not a currency
      When the currency "<code>" is looked up
      Then it is refused: unknown currency

      Examples:
        | code |
        | XYZ  |
        | EURO |
        | €    |
        | E1R  |
        |      |

  Rule: An amount is read exactly as written, never rounded

    Scenario Outline: "<text>" in <currency> is <amount>
      When "<text>" is entered as an amount in <currency>
      Then the amount is <amount>
      And it counts <units> of the currency's smallest unit

      Examples:
        | text    | currency | amount    | units |
        | 19.99   | EUR      | EUR 19.99 | 1999  |
        | 19.9    | EUR      | EUR 19.90 | 1990  |
        | 19      | EUR      | EUR 19.00 | 1900  |
        | 0.05    | EUR      | EUR 0.05  | 5     |
        | -2.50   | EUR      | EUR -2.50 | -250  |
        | 1000    | JPY      | JPY 1000  | 1000  |
        | 1.5     | KWD      | KWD 1.500 | 1500  |
        | 0.001   | KWD      | KWD 0.001 | 1     |
        | 19.99   | eur      | EUR 19.99 | 1999  |

    Scenario Outline: "<text>" is not an amount in <currency>: <why>
      When "<text>" is entered as an amount in <currency>
      Then it is refused: invalid amount

      Examples:
        | text     | currency | why                                    |
        | 19.999   | EUR      | the euro has two decimals              |
        | 1000.5   | JPY      | the yen has no decimals                |
        | 1.5005   | KWD      | the Kuwaiti dinar has three decimals   |
        | 1e3      | EUR      | no exponents                           |
        | 1.5E2    | EUR      | no exponents                           |
        | NaN      | EUR      | not a number                           |
        | Infinity | EUR      | not a number                           |
        | 19,99    | EUR      | a decimal point, not a comma           |
        | 1,000.00 | EUR      | no thousands separators                |
        | 1 000    | EUR      | no spaces                              |
        | +5.00    | EUR      | no plus sign                           |
        | 5.       | EUR      | digits after the decimal point         |
        | .5       | EUR      | digits before the decimal point        |
        | 0x10     | EUR      | decimal digits only                    |
        |          | EUR      | no amount at all                       |

    Scenario: An amount in an unknown currency is refused
      When "19.99" is entered as an amount in XYZ
      Then it is refused: unknown currency

    Scenario Outline: An amount given as a floating-point number is refused, even <number>
      When <number> is given as a floating-point number for an amount in EUR
      Then it is refused: invalid amount

      Examples:
        | number |
        | 0.1    |
        | 19.99  |
        | 20.0   |

  Rule: An amount is always written the same way

    Scenario Outline: <units> of the smallest unit of <currency> is written <written>
      When <units> of the smallest unit of <currency> is written out
      Then it reads "<written>"
      And reading "<written>" back gives the same amount

      Examples:
        | units     | currency | written        |
        | 1999      | EUR      | EUR 19.99      |
        | 5         | EUR      | EUR 0.05       |
        | 0         | EUR      | EUR 0.00       |
        | -250      | EUR      | EUR -2.50      |
        | 123456789 | EUR      | EUR 1234567.89 |
        | 1000      | JPY      | JPY 1000       |
        | 1500      | KWD      | KWD 1.500      |
        | 5         | KWD      | KWD 0.005      |

  Rule: Amounts in one currency add up and subtract exactly

    Scenario Outline: <first> plus <second> is <result>
      When <first> and <second> are added
      Then the result is <result>

      Examples:
        | first     | second    | result    |
        | EUR 0.10  | EUR 0.20  | EUR 0.30  |
        | EUR 19.99 | EUR 0.01  | EUR 20.00 |
        | JPY 999   | JPY 1     | JPY 1000  |
        | KWD 1.500 | KWD 0.005 | KWD 1.505 |

    Scenario Outline: <first> minus <second> is <result>
      When <second> is subtracted from <first>
      Then the result is <result>

      Examples:
        | first     | second   | result    |
        | EUR 10.00 | EUR 2.50 | EUR 7.50  |
        | EUR 1.00  | EUR 2.00 | EUR -1.00 |
        | JPY 1000  | JPY 1    | JPY 999   |

  Rule: Amounts in different currencies never mix

    Scenario Outline: <first> and <second> cannot be added
      When <first> and <second> are added
      Then it is refused: currency mismatch

      Examples:
        | first     | second    |
        | EUR 10.00 | USD 10.00 |
        | JPY 1000  | KRW 1000  |
        | KWD 1.000 | BHD 1.000 |

    Scenario: Amounts in different currencies cannot be subtracted
      When USD 2.50 is subtracted from EUR 10.00
      Then it is refused: currency mismatch

    Scenario: Amounts in different currencies cannot be compared
      When EUR 10.00 is compared with USD 10.00
      Then it is refused: currency mismatch

  Rule: Multiplying an amount by a rate always says how the result is rounded

    @rounding
    Scenario Outline: <amount> times <rate>, rounded <rounding>, is <result>
      When <amount> is multiplied by <rate> rounding <rounding>
      Then the result is <result>

      Examples:
        | amount    | rate   | rounding  | result    |
        | EUR 0.05  | 0.5    | half up   | EUR 0.03  |
        | EUR 0.05  | 0.5    | half down | EUR 0.02  |
        | EUR 0.05  | 0.5    | half even | EUR 0.02  |
        | EUR 0.07  | 0.5    | half even | EUR 0.04  |
        | EUR 0.05  | 0.5    | up        | EUR 0.03  |
        | EUR 0.05  | 0.5    | down      | EUR 0.02  |
        | EUR -0.05 | 0.5    | half up   | EUR -0.03 |
        | EUR -0.05 | 0.5    | ceiling   | EUR -0.02 |
        | EUR -0.05 | 0.5    | floor     | EUR -0.03 |
        | JPY 999   | 0.025  | half up   | JPY 25    |
        | KWD 1.000 | 0.3333 | half up   | KWD 0.333 |

    Scenario Outline: A rate of <rate> is refused
      When EUR 10.00 is multiplied by <rate> rounding half up
      Then it is refused: invalid rate

      Examples:
        | rate     |
        | NaN      |
        | Infinity |

  Rule: An amount split by ratios keeps every smallest unit
    Each part gets its exact share rounded down; the units left over go one each to the parts
    with the largest remainders, the earlier part first when remainders are equal.

    @rounding
    Scenario Outline: <amount> split <ratios> gives <parts>
      When <amount> is split in the ratio <ratios>
      Then the parts are <parts>
      And the parts add up to <amount>

      Examples:
        | amount      | ratios       | parts                              |
        | EUR 100.00  | 1 : 1 : 1    | EUR 33.34, EUR 33.33, EUR 33.33    |
        | EUR 0.05    | 1 : 1 : 1    | EUR 0.02, EUR 0.02, EUR 0.01       |
        | JPY 100     | 1 : 1 : 1    | JPY 34, JPY 33, JPY 33             |
        | KWD 1.000   | 1 : 1 : 1    | KWD 0.334, KWD 0.333, KWD 0.333    |
        | EUR 10.00   | 1 : 2        | EUR 3.33, EUR 6.67                 |
        | EUR 100.00  | 70 : 20 : 10 | EUR 70.00, EUR 20.00, EUR 10.00    |
        | EUR 1.00    | 0 : 1        | EUR 0.00, EUR 1.00                 |
        | EUR -100.00 | 1 : 1 : 1    | EUR -33.34, EUR -33.33, EUR -33.33 |
