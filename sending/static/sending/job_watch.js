/* The bulk job page: polls progress.json and swaps in the live part the server rendered
   (progress bar, counts, rate, chart, errors, last messages) and the buttons when they change.
   A finished job whose receipts are still coming is polled a while longer, more slowly. */
(function () {
  "use strict";
  function start() {
    var live = document.getElementById("bulk-live");
    var actions = document.getElementById("bulk-actions");
    var facts = document.getElementById("bulk-facts");
    if (!live) { return; }
    var url = live.dataset.progressUrl;
    var lastLive = null, lastActions = null, lastFacts = null, settling = 0;
    var SETTLING_POLLS = 100, SETTLING_MS = 3000;
    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (state) {
          if (state.live_html !== lastLive) { live.innerHTML = state.live_html; lastLive = state.live_html; }
          if (state.actions_html !== lastActions) { actions.innerHTML = state.actions_html; lastActions = state.actions_html; }
          if (facts && state.facts_html !== lastFacts) { facts.innerHTML = state.facts_html; lastFacts = state.facts_html; }
          live.dataset.finished = state.finished ? "1" : "0";
          live.dataset.percent = String(state.percent);
          if (!state.finished) { window.setTimeout(poll, state.next_poll_ms || 1000); }
          else if (state.awaiting_receipts && settling++ < SETTLING_POLLS) { window.setTimeout(poll, SETTLING_MS); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    document.addEventListener("submit", function (event) {
      var message = event.target.dataset && event.target.dataset.confirm;
      if (message && !window.confirm(message)) { event.preventDefault(); }
    });
    if (live.dataset.finished !== "1" || live.dataset.awaiting === "1") { window.setTimeout(poll, 1000); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
