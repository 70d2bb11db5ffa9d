Feature: Connected accounts
  Each store is paid through its own connected account at the payment gateway. The account's
  status follows from what the gateway last reported about it: whether charges and payouts are
  enabled, whether the store submitted its details, whether requirements are past due, and why
  the account is disabled, if it is. A store accepts payments only while its account is active.

  Rule: A store without a connected account is not configured

    Scenario: A store that has not connected an account
      Given a store without a connected account
      Then the account status is not configured
      And the store cannot take payments

  Rule: A new account is pending until the gateway reports on it

    Scenario: A store that has just connected its account
      Given a store with a connected account
      Then the account status is pending
      And the store cannot take payments
      And the store still has onboarding to finish

  Rule: The status follows the gateway's report on the account

    Scenario Outline: An account that is <status>: <why>
      Given a store with a connected account
      When the gateway reports on the account:
        | charges enabled       | <charges>  |
        | payouts enabled       | <payouts>  |
        | details submitted     | <details>  |
        | requirements past due | <past due> |
        | disabled reason       | <reason>   |
      Then the account status is <status>
      And the store <can> take payments

      Examples:
        | charges | payouts | details | past due       | reason                 | status     | can    | why                                    |
        | yes     | yes     | yes     | none           | none                   | active     | can    | everything enabled                     |
        | no      | no      | no      | none           | requirements past due  | pending    | cannot | onboarding not finished                |
        | no      | no      | yes     | none           | pending verification   | pending    | cannot | the gateway is verifying the details   |
        | yes     | no      | yes     | none           | none                   | restricted | cannot | payouts disabled                       |
        | no      | yes     | yes     | none           | requirements past due  | restricted | cannot | charges disabled                       |
        | yes     | yes     | yes     | bank account   | none                   | restricted | cannot | a requirement is past due              |
        | no      | no      | yes     | none           | rejected for fraud     | inactive   | cannot | rejected by the gateway                |
        | no      | no      | yes     | none           | rejected for terms     | inactive   | cannot | rejected for breaking the terms        |
        | yes     | yes     | yes     | none           | paused by the platform | inactive   | cannot | paused by the platform                 |

    Scenario: A change of status is announced
      Given a store with a connected account
      When the gateway reports on the account:
        | charges enabled   | yes |
        | payouts enabled   | yes |
        | details submitted | yes |
      Then the account status is active
      And the account's status changed from pending to active

  Rule: A store that disconnects the platform is inactive for good

    Scenario: A store disconnects its account
      Given a store with a connected account
      And the gateway reported on the account:
        | charges enabled   | yes |
        | payouts enabled   | yes |
        | details submitted | yes |
      When the store disconnects its account from the platform
      Then the account status is inactive
      And the store cannot take payments
      And the account's status changed from active to inactive

    Scenario: A disconnected account stays inactive whatever the gateway reports next
      Given a store with a connected account
      And the store disconnected its account from the platform
      When the gateway reports on the account:
        | charges enabled   | yes |
        | payouts enabled   | yes |
        | details submitted | yes |
      Then the account status is inactive
      And the store cannot take payments

  Rule: An older report arriving after a newer one is ignored

    Scenario: A report from 10:01 arrives after the report from 10:05
      Given a store with a connected account
      And the gateway reported on the account at 10:05:
        | charges enabled   | yes |
        | payouts enabled   | yes |
        | details submitted | yes |
      When the gateway reports on the account at 10:01:
        | charges enabled   | no |
        | payouts enabled   | no |
        | details submitted | no |
      Then the account status is active
      And the store can take payments

    Scenario: A newer report replaces an older one
      Given a store with a connected account
      And the gateway reported on the account at 10:01:
        | charges enabled   | yes |
        | payouts enabled   | yes |
        | details submitted | yes |
      When the gateway reports on the account at 10:05:
        | charges enabled   | yes |
        | payouts enabled   | no  |
        | details submitted | yes |
      Then the account status is restricted
      And the store cannot take payments
      And the store still has onboarding to finish
