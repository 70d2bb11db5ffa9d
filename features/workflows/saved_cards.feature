Feature: Saved cards
  A shopper can save their card while paying a store. The store sees the cards its shopper saved,
  chooses the one offered first, and can remove a card, which removes it at the gateway too.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the store has an order "A-1" of EUR 19.99 for "ana@example.lu"

  Rule: A card saved at checkout is listed for the shopper

    Scenario: The shopper saves their card while paying
      When the shopper checks out the order, saving the card
      And the shopper pays with a card that succeeds
      Then the cards saved for "ana@example.lu" are:
        | brand | ending |
        | visa  | 4242   |

    Scenario: A card the shopper did not save is not listed
      When the shopper checks out the order
      And the shopper pays with a card that succeeds
      Then "ana@example.lu" has no saved cards

  Rule: The store chooses which saved card is offered first

    Scenario: The store makes the Mastercard the default
      Given "ana@example.lu" saved a card that succeeds paying order "A-1"
      And the store has an order "A-2" of EUR 5.00 for "ana@example.lu"
      And "ana@example.lu" saved a Mastercard that succeeds paying order "A-2"
      When the store makes the card ending 4444 the default for "ana@example.lu"
      Then the cards saved for "ana@example.lu" are:
        | brand      | ending | default |
        | mastercard | 4444   | yes     |
        | visa       | 4242   | no      |

  Rule: A removed card is gone, here and at the gateway

    Scenario: The store removes a saved card
      Given "ana@example.lu" saved a card that succeeds paying order "A-1"
      And the store has an order "A-2" of EUR 5.00 for "ana@example.lu"
      And "ana@example.lu" saved a Mastercard that succeeds paying order "A-2"
      When the store removes the card ending 4242 of "ana@example.lu"
      Then the cards saved for "ana@example.lu" are:
        | brand      | ending |
        | mastercard | 4444   |
      And the gateway no longer keeps the card ending 4242 for the shopper
