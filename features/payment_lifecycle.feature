Feature: Payment lifecycle
  A shopper's payment to a store moves as the payment gateway reports what happened to it:
  pending, requires action (3-D Secure), processing, succeeded; failed when an attempt fails
  (a retry may still succeed); canceled. The gateway is the source of truth, and its reports are
  observations: the same report twice changes nothing, and the order in which reports arrive does
  not change where the payment ends up. Once the money has moved, the ledger records it.

  Background:
    Given the platform fee is 2.5 %

  Rule: A payment carries an amount the gateway can charge

    Scenario Outline: A payment of <total> is accepted
      When a shopper starts a payment of <total>
      Then it is accepted
      And the payment status is pending
      And the ledger records nothing

      Examples:
        | total          |
        | EUR 0.50       |
        | EUR 999999.99  |
        | JPY 50         |
        | KWD 0.010      |
        | ISK 100.00     |

    Scenario Outline: A payment of <total> is refused: <why>
      When a shopper starts a payment of <total>
      Then it is refused: <refusal>

      Examples:
        | total           | refusal          | why                                          |
        | EUR 0.49        | amount too small | below the smallest euro payment              |
        | GBP 0.29        | amount too small | below the smallest pound payment             |
        | JPY 49          | amount too small | below the smallest yen payment               |
        | EUR 0.00        | invalid amount   | nothing to pay                               |
        | EUR 1000000.00  | amount too large | above the largest amount one payment carries |
        | KWD 1.505       | invalid amount   | dinars are charged in steps of KWD 0.010     |
        | ISK 150.50      | invalid amount   | krónur are charged in whole krónur           |

  Rule: A payment succeeds when the gateway says so, and the ledger records the money

    Scenario: A payment succeeds
      Given a payment of EUR 100.00
      When the gateway reports that the payment succeeded
      Then the payment status is succeeded
      And the ledger records:
        | movement     | from    | to       | amount     |
        | charge       | shopper | store    | EUR 100.00 |
        | platform fee | store   | platform | EUR 2.50   |

    Scenario Outline: A payment of <total> succeeds in a currency with <decimals> decimals
      Given a payment of <total>
      When the gateway reports that the payment succeeded
      Then the payment status is succeeded
      And the ledger records:
        | movement     | from    | to       | amount  |
        | charge       | shopper | store    | <total> |
        | platform fee | store   | platform | <fee>   |

      Examples:
        | total     | fee       | decimals |
        | JPY 999   | JPY 25    | no       |
        | KWD 1.500 | KWD 0.040 | three    |

  Rule: A declined attempt can be retried

    Scenario: The card is declined, then the retry succeeds
      Given a payment of EUR 50.00
      When the gateway reports that the card was declined
      Then the payment status is failed
      And the payment failed because the card was declined
      And the ledger records nothing
      When the gateway reports that the payment succeeded
      Then the payment status is succeeded
      And the ledger records:
        | movement     | from    | to       | amount    |
        | charge       | shopper | store    | EUR 50.00 |
        | platform fee | store   | platform | EUR 1.25  |

  Rule: A payment can wait for the shopper to complete 3-D Secure

    Scenario: 3-D Secure is requested, then completed
      Given a payment of EUR 50.00
      When the gateway reports that 3-D Secure is required
      Then the payment status is requires action
      When the gateway reports that the payment is processing
      Then the payment status is processing
      And the ledger records nothing
      When the gateway reports that the payment succeeded
      Then the payment status is succeeded

  Rule: Once the money has moved, a failure report is out of date

    @gateway_reports
    Scenario Outline: A failure report arriving after the success is ignored (failure seen at <seen>)
      Given a payment of EUR 50.00
      And the gateway reported at 10:05 that the payment succeeded
      When the gateway reports at <seen> that the card was declined
      Then nothing has changed
      And the payment status is succeeded

      Examples:
        | seen  |
        | 10:03 |
        | 10:07 |

  Rule: The same report twice changes nothing

    @gateway_reports
    Scenario Outline: The report that <report> arrives twice
      Given a payment of EUR 50.00
      And the gateway reported that <report>
      When the same report arrives again
      Then nothing has changed
      And the payment status is <status>

      Examples:
        | report                   | status          |
        | the payment succeeded    | succeeded       |
        | the card was declined    | failed          |
        | 3-D Secure is required   | requires action |
        | the payment is processing | processing     |
        | the payment was canceled | canceled        |

  Rule: Reports arriving out of order end in the same state

    @gateway_reports
    Scenario Outline: A declined attempt, 3-D Secure and a success, arriving in the order <order>
      Given a payment of EUR 50.00
      And the gateway made these reports:
        | at    | report                  |
        | 10:01 | the card was declined   |
        | 10:02 | 3-D Secure is required  |
        | 10:03 | the payment succeeded   |
      When they arrive in the order <order>
      Then the payment status is succeeded
      And the ledger records:
        | movement     | from    | to       | amount    |
        | charge       | shopper | store    | EUR 50.00 |
        | platform fee | store   | platform | EUR 1.25  |

      Examples:
        | order               |
        | 10:01, 10:02, 10:03 |
        | 10:03, 10:01, 10:02 |
        | 10:02, 10:03, 10:01 |
        | 10:03, 10:02, 10:01 |

    @gateway_reports
    Scenario Outline: 3-D Secure then a decline, arriving in the order <order>
      Given a payment of EUR 50.00
      And the gateway made these reports:
        | at    | report                 |
        | 10:01 | 3-D Secure is required |
        | 10:02 | the card was declined  |
      When they arrive in the order <order>
      Then the payment status is failed
      And the ledger records nothing

      Examples:
        | order        |
        | 10:01, 10:02 |
        | 10:02, 10:01 |

  Rule: A payment can be canceled only while it awaits its outcome

    Scenario Outline: A payment that <state> is canceled
      Given a payment of EUR 50.00
      And the gateway reported that <report>
      When the shopper cancels the payment
      Then the payment status is canceled
      And the ledger records nothing

      Examples:
        | state                     | report                       |
        | waits for a card          | a payment method is required |
        | waits for 3-D Secure      | 3-D Secure is required       |
        | failed                    | the card was declined        |

    Scenario: A succeeded payment cannot be canceled
      Given a succeeded payment of EUR 50.00
      When the shopper cancels the payment
      Then it is refused: illegal transition
      And nothing has changed
      And the payment status is succeeded

    Scenario: Money that moved despite a cancellation counts
      Given a payment of EUR 50.00
      And the gateway reported at 10:05 that the payment was canceled
      When the gateway reports at 10:04 that the payment succeeded
      Then the payment status is succeeded
      And the ledger records:
        | movement     | from    | to       | amount    |
        | charge       | shopper | store    | EUR 50.00 |
        | platform fee | store   | platform | EUR 1.25  |
