/* The return page's script: asks where the payment stands until the answer is final.
 *
 * It shows only the title and sentence the server sends; the live region announces changes.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("status-config").textContent);
  var box = document.getElementById("status");
  var title = document.getElementById("status-title");
  var message = document.getElementById("status-message");
  var progress = document.getElementById("status-progress");
  var retry = document.getElementById("retry");
  var checks = 0;
  var TONES = { paid: "success", failed: "error" };

  function show(state) {
    title.textContent = state.title;
    message.textContent = state.message;
    box.className = "status " + (TONES[state.status] || "");
    retry.hidden = state.status !== "failed";
  }

  function stop(text) {
    progress.textContent = text || "";
    progress.hidden = !text;
  }

  function settled(state) {
    // Back from a successful redirect while an earlier failure is still on record: the
    // success is on its way, so keep asking for a while before saying it failed.
    var early = checks < config.patience_checks;
    return state.final && !(state.status === "failed" && config.expect_success && early);
  }

  function check() {
    checks += 1;
    fetch(config.status_url, {
      headers: { Accept: "application/json" },
      cache: "no-store",
      credentials: "same-origin",
      referrerPolicy: "no-referrer",
    })
      .then(function (response) {
        if (response.status === 404) {
          stop(config.words.gone);
          return null;
        }
        if (response.status === 429) {
          return "later";
        }
        return response.ok ? response.json() : "later";
      })
      .then(function (state) {
        if (state === null) {
          return;
        }
        if (state !== "later") {
          if (settled(state)) {
            show(state);
            stop("");
            return;
          }
          if (state.status !== "failed") {
            show(state);
          }
        }
        if (checks >= config.max_checks) {
          stop(config.words.still_waiting);
          return;
        }
        window.setTimeout(check, state === "later" ? config.interval_ms * 4 : config.interval_ms);
      })
      .catch(function () {
        if (checks >= config.max_checks) {
          stop(config.words.still_waiting);
          return;
        }
        window.setTimeout(check, config.interval_ms * 2);
      });
  }

  window.setTimeout(check, config.first_check_ms);
})();
