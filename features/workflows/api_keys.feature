Feature: API keys
  A store calls storepay with its API key. The platform can issue the store a new key at any time;
  from then on only the new key works.

  Background:
    Given a new store "Kiosk" in EUR

  Rule: A store is recognised by its API key

    Scenario: The store's key
      When someone calls with the store's API key
      Then they are recognised as the store "Kiosk"

    Scenario: A key the platform never issued
      When someone calls with an API key the platform never issued
      Then it is refused: unauthorized

    Scenario: Each store's key is its own
      Given a new store "Bakery" in EUR
      When someone calls with the API key of the store "Kiosk"
      Then they are recognised as the store "Kiosk"

  Rule: A new key replaces the old one at once

    Scenario: The old key stops working
      Given the platform issued the store a new API key
      When someone calls with the store's old API key
      Then it is refused: unauthorized

    Scenario: The new key works
      Given the platform issued the store a new API key
      When someone calls with the store's API key
      Then they are recognised as the store "Kiosk"
