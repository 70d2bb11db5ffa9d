Feature: Store onboarding
  A store is paid through its own connected account at the payment gateway. Setting up payments
  opens that account, once and for all, and gives the store a link to the gateway's onboarding
  pages; asking again gives the same account and a fresh link. Only a store whose onboarding is
  complete takes payments, and a store that disconnects the platform stops taking them.

  Background:
    Given a new store "Kiosk" in EUR

  Rule: A store that has not set up payments is not configured

    Scenario: A new store cannot take payments yet
      Then the store's account status is not configured
      And the store cannot take payments
      And the store still has onboarding to finish

    Scenario: A fresh onboarding link needs payments to be set up first
      When the store asks for a fresh onboarding link
      Then it is refused: payments not set up

  Rule: Setting up payments opens one account, ever, and gives a fresh link each time

    Scenario: A store sets up payments
      When the store sets up payments
      Then the store is given a link to the gateway's onboarding
      And the store's account status is pending
      And the store cannot take payments
      And the store still has onboarding to finish

    Scenario: Setting up payments again gives the same account and a fresh link
      Given the store set up payments
      And 10 minutes have passed
      When the store sets up payments
      Then the store keeps the account it was given first
      And the new link expires later than the first

    Scenario: A store asks for a fresh onboarding link
      Given the store set up payments
      And 10 minutes have passed
      When the store asks for a fresh onboarding link
      Then the store keeps the account it was given first
      And the new link expires later than the first

  Rule: A store that completed its onboarding accepts payments

    Scenario: The store completes its onboarding at the gateway
      Given the store set up payments
      When the store completes its onboarding at the gateway
      Then the store's account status is active
      And the store can take payments
      And the store has no onboarding left to finish

  Rule: Coming back from the gateway's onboarding pages shows where onboarding stands

    Scenario: The store comes back before the gateway's report arrives
      Given the gateway's reports are lost on the way
      And the store set up payments
      And the store completed its onboarding at the gateway
      When the store comes back from the gateway's onboarding pages
      Then the store's account status is active
      And the store can take payments

    Scenario: The store comes back through a link that has expired
      Given the store set up payments
      And 25 hours have passed
      When the store comes back from the gateway's onboarding pages
      Then it is refused: invalid onboarding token

  Rule: A store that has not finished onboarding cannot take payments

    Scenario: A shopper tries to pay a store that is still onboarding
      Given the store set up payments
      And the store has an order "A-1" of EUR 19.99 for "ana@example.lu"
      When the shopper checks out the order
      Then it is refused: payments not enabled

  Rule: A store that disconnects the platform stops taking payments

    Scenario: A store disconnects its account
      Given the store set up payments
      And the store completed its onboarding at the gateway
      And the store has an order "A-1" of EUR 19.99 for "ana@example.lu"
      When the store disconnects its account from the platform
      And the shopper checks out the order
      Then it is refused: payments not enabled
      And the store's account status is inactive
      And the store cannot take payments
