Feature: Saved cards
  A shopper signed in at a store can save their card while paying it, and is offered the cards they
  saved there when they pay again. Signing in is the store's business: its backend then asks for a
  customer session for the order, good once and for a few minutes, which the checkout carries.
  Without one, whoever holds an order's link is offered no saved card, cannot pay with one, and
  cannot save one. The store sees the cards its shopper saved, chooses the one offered first, and
  can remove a card, which removes it at the gateway too.

  Background:
    Given the store "Kiosk" takes payments in EUR
    And the store has an order "A-1" of EUR 19.99 for "ana@example.lu"

  Rule: A card saved at checkout is listed for the shopper

    Scenario: The shopper saves their card while paying
      Given the shopper signed in at the store
      When the shopper checks out the order, saving the card
      And the shopper pays with a card that succeeds
      Then the cards saved for "ana@example.lu" are:
        | brand | ending |
        | visa  | 4242   |

    Scenario: A card the shopper did not save is not listed
      When the shopper checks out the order
      And the shopper pays with a card that succeeds
      Then "ana@example.lu" has no saved cards

    Scenario: Without signing in at the store, nobody saves a card for the shopper
      When the shopper checks out the order, saving the card
      Then it is refused: customer session required
      And "ana@example.lu" has no saved cards

  Rule: Saved cards are offered only to the shopper signed in at the store

    Scenario: The signed-in shopper pays with a card they saved
      Given "ana@example.lu" saved a card that succeeds paying order "A-1"
      And the store has an order "A-2" of EUR 5.00 for "ana@example.lu"
      And the shopper signed in at the store
      Then the checkout offers the card ending 4242 of "ana@example.lu"
      When the shopper checks out the order
      And the shopper chooses the saved card ending 4242 of "ana@example.lu" to pay
      Then the payment status is succeeded

    Scenario: Someone with only the order's link is offered no saved card and cannot pay with one
      Given "ana@example.lu" saved a card that succeeds paying order "A-1"
      And the store has an order "A-2" of EUR 5.00 for "ana@example.lu"
      Then the checkout offers no saved card
      When the shopper checks out the order
      And the shopper chooses the saved card ending 4242 of "ana@example.lu" to pay
      Then the saved card could not pay

    Scenario: A sign-in pays for one checkout only
      Given "ana@example.lu" saved a card that succeeds paying order "A-1"
      And the store has an order "A-2" of EUR 5.00 for "ana@example.lu"
      And the shopper signed in at the store
      And the shopper checked out the order
      When the shopper checks out the order again
      Then it is refused: customer session invalid
      And the checkout offers no saved card

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
