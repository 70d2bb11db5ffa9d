/* The checkout page's script: no build step, no framework, no arithmetic on money.
 *
 * Every sentence and every amount it shows comes from the server (the page's JSON config).
 * Card data goes to the payment gateway only: in test mode to the simulator's endpoints, with
 * Stripe to Stripe.js's Payment Element. storepay's own API only ever receives the order's id,
 * amount (an integer of minor units, passed through untouched) and, when the store sent the
 * shopper here signed in, the customer session that create-intent uses up: so one intent is made
 * per page and confirmed again after a decline.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("checkout-config").textContent);
  var words = config.words;
  var form = document.getElementById("pay-form");
  var fields = document.getElementById("pay-fields");
  var button = document.getElementById("pay-button");
  var progress = document.getElementById("pay-progress");
  var errorBox = document.getElementById("pay-error");
  var newCard = document.getElementById("new-card");
  var challenge = document.getElementById("challenge");
  var intent = null;
  var busy = false;
  var stripe = null;
  var elements = null;

  // -- what the shopper sees ---------------------------------------------------------------

  function say(text) {
    progress.textContent = text || "";
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
    errorBox.focus();
  }

  function setBusy(on) {
    busy = on;
    fields.disabled = on;
    button.disabled = on;
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  function failed(text) {
    setBusy(false);
    say(words.progress.retry);
    showError(text);
  }

  function fieldError(id, text) {
    var input = document.getElementById(id);
    var message = document.getElementById(id + "-error");
    input.setAttribute("aria-invalid", "true");
    message.textContent = text;
    message.hidden = false;
    return input;
  }

  function clearErrors() {
    errorBox.hidden = true;
    errorBox.textContent = "";
    var invalid = form.querySelectorAll("[aria-invalid=true]");
    for (var i = 0; i < invalid.length; i++) {
      invalid[i].setAttribute("aria-invalid", "false");
    }
    var messages = form.querySelectorAll(".field-error");
    for (var j = 0; j < messages.length; j++) {
      messages[j].hidden = true;
      messages[j].textContent = "";
    }
  }

  function declineWords(error) {
    if (!error) {
      return words.declines.card_declined;
    }
    return (
      words.declines[error.decline_code] ||
      words.declines[error.code] ||
      words.declines.card_declined
    );
  }

  // -- talking to storepay and to the gateway ------------------------------------------------

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (document) {
          return { ok: response.ok, status: response.status, body: document };
        });
    });
  }

  function problemWords(answer) {
    var code = answer.body && answer.body.code;
    if (answer.status === 429) {
      code = "rate_limited";
    }
    return words.problems[code] || words.problems["default"];
  }

  function createIntent(save) {
    if (intent !== null) {
      return Promise.resolve(intent); // still confirmable after a decline
    }
    var request = {};
    for (var key in config.intent_request) {
      request[key] = config.intent_request[key];
    }
    request.save_payment_method = save;
    return post(config.create_intent_url, request).then(function (answer) {
      if (!answer.ok) {
        throw new Refusal(problemWords(answer));
      }
      intent = answer.body;
      return intent;
    });
  }

  function Refusal(message) {
    this.message = message;
  }

  function finish() {
    say(words.progress.redirecting);
    var id = intent ? intent.payment_intent_id : "";
    window.location.assign(config.complete_url + "&payment_intent=" + encodeURIComponent(id));
  }

  function fail(error) {
    failed(error instanceof Refusal ? error.message : words.problems.network);
  }

  // -- the form ------------------------------------------------------------------------------

  function savedCardChosen() {
    var chosen = form.querySelector("input[name=payment-choice]:checked");
    if (!chosen || chosen.value === "new") {
      return null;
    }
    return chosen.value;
  }

  function showChoice() {
    if (form.querySelector("input[name=payment-choice]")) {
      newCard.hidden = savedCardChosen() !== null;
    }
  }

  function readCard() {
    var number = document.getElementById("card-number").value.replace(/[\s-]/g, "");
    var expiry = document.getElementById("card-expiry").value;
    var cvc = document.getElementById("card-cvc").value.trim();
    var saveBox = document.getElementById("save-card");
    var save = saveBox !== null && saveBox.checked;
    var invalid = [];
    if (!/^[0-9]{12,19}$/.test(number)) {
      invalid.push(fieldError("card-number", words.fields.card_number));
    }
    var parts = /^\s*([0-9]{1,2})\s*\/\s*([0-9]{2}|[0-9]{4})\s*$/.exec(expiry);
    var month = parts ? parseInt(parts[1], 10) : 0;
    var year = parts ? parseInt(parts[2], 10) : 0;
    if (year < 100) {
      year += 2000;
    }
    var now = new Date();
    if (!parts || month < 1 || month > 12) {
      invalid.push(fieldError("card-expiry", words.fields.card_expiry));
    } else if (
      year < now.getFullYear() ||
      (year === now.getFullYear() && month < now.getMonth() + 1)
    ) {
      invalid.push(fieldError("card-expiry", words.fields.card_expired));
    }
    if (!/^[0-9]{3,4}$/.test(cvc)) {
      invalid.push(fieldError("card-cvc", words.fields.card_cvc));
    }
    if (invalid.length) {
      say("");
      invalid[0].focus();
      return null;
    }
    return { number: number, month: month, year: year, save: save };
  }

  // -- test mode: the simulator stands in for the card networks ---------------------------

  function answered(answer) {
    if (!answer.ok) {
      throw new Refusal(problemWords(answer));
    }
    var status = answer.body.status;
    if (status === "succeeded" || status === "processing") {
      finish();
    } else if (status === "requires_action") {
      openChallenge();
    } else {
      failed(declineWords(answer.body.last_payment_error));
    }
  }

  function paySimulated() {
    var saved = savedCardChosen();
    var card = null;
    if (saved === null) {
      card = readCard();
      if (card === null) {
        return;
      }
    }
    setBusy(true);
    say(words.progress.starting);
    createIntent(card !== null && card.save)
      .then(function (created) {
        say(words.progress.paying);
        var body = { client_secret: created.client_secret };
        if (saved !== null) {
          body.payment_method = saved;
        } else {
          body.card_number = card.number;
          body.exp_month = card.month;
          body.exp_year = card.year;
        }
        return post(config.simulator_url + encodeURIComponent(created.payment_intent_id) + "/confirm", body);
      })
      .then(function (answer) {
        if (answer) {
          answered(answer);
        }
      })
      .catch(fail);
  }

  function openChallenge() {
    challenge.hidden = false;
    say(words.progress.challenge);
    setChallengeBusy(false);
    document.getElementById("challenge-heading").focus();
  }

  function setChallengeBusy(on) {
    document.getElementById("authenticate").disabled = on;
    document.getElementById("fail-authentication").disabled = on;
  }

  function authenticate(success) {
    setChallengeBusy(true);
    say(words.progress.authenticating);
    post(config.simulator_url + encodeURIComponent(intent.payment_intent_id) + "/authenticate", {
      client_secret: intent.client_secret,
      success: success,
    })
      .then(function (answer) {
        challenge.hidden = true;
        answered(answer);
      })
      .catch(function (error) {
        challenge.hidden = true;
        fail(error);
      });
  }

  // -- with Stripe: the Payment Element collects the card ---------------------------------

  function startStripe() {
    if (typeof window.Stripe !== "function") {
      showError(words.problems.stripe_unavailable);
      button.disabled = true;
      return;
    }
    stripe = window.Stripe(config.publishable_key);
    setBusy(true);
    say(words.progress.starting);
    createIntent(false)
      .then(function (created) {
        elements = stripe.elements({ clientSecret: created.client_secret });
        elements.create("payment").mount("#payment-element");
        setBusy(false);
        say("");
      })
      .catch(fail);
  }

  function payStripe() {
    if (!stripe || !intent) {
      return;
    }
    setBusy(true);
    say(words.progress.paying);
    var saved = savedCardChosen();
    var confirmation =
      saved === null
        ? stripe.confirmPayment({ elements: elements, confirmParams: { return_url: config.return_url } })
        : stripe.confirmPayment({
            clientSecret: intent.client_secret,
            confirmParams: { payment_method: saved, return_url: config.return_url },
          });
    confirmation
      .then(function (result) {
        // Stripe redirects to the return page on success; it answers only when it did not.
        if (result && result.error) {
          var shown = result.error.type === "card_error" || result.error.type === "validation_error";
          failed(shown && result.error.message ? result.error.message : declineWords(result.error));
        }
      })
      .catch(fail);
  }

  // -- wiring --------------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    clearErrors();
    if (config.gateway === "stripe") {
      payStripe();
    } else {
      paySimulated();
    }
  });

  var choices = form.querySelectorAll("input[name=payment-choice]");
  for (var i = 0; i < choices.length; i++) {
    choices[i].addEventListener("change", showChoice);
  }
  showChoice();

  if (config.gateway === "stripe") {
    startStripe();
  } else {
    document.getElementById("authenticate").addEventListener("click", function () {
      authenticate(true);
    });
    document.getElementById("fail-authentication").addEventListener("click", function () {
      authenticate(false);
    });
    var testCards = document.querySelectorAll("[data-card]");
    for (var k = 0; k < testCards.length; k++) {
      testCards[k].addEventListener("click", function (event) {
        var newCardChoice = document.getElementById("new-card-choice");
        if (newCardChoice) {
          newCardChoice.checked = true;
          showChoice();
        }
        var number = document.getElementById("card-number");
        number.value = event.currentTarget.getAttribute("data-card");
        number.focus();
      });
    }
  }
})();
