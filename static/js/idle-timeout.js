/*
 * The idle-timeout warning (no inline script: the Content-Security-Policy allows none).
 * The server signs a person out after SESSION_IDLE_TIMEOUT_MINUTES without a request
 * (accounts/middleware.py); this shows #idle-warning SESSION_IDLE_WARNING_SECONDS before, with a
 * countdown and "stay signed in" (a POST to the keep-alive URL), and opens the login page when
 * the time is up. Any htmx request counts as activity, as it does on the server.
 */
(function () {
  "use strict";

  var box = document.getElementById("idle-warning");
  if (!box) {
    return;
  }
  var timeout = parseInt(box.dataset.timeout, 10) * 1000;
  var warning = Math.min(parseInt(box.dataset.warning, 10) * 1000, timeout);
  var countdown = box.querySelector("[data-idle-countdown]");
  var form = box.querySelector("form");
  var lastActivity = Date.now();
  var finished = false;

  function activity() {
    lastActivity = Date.now();
    box.classList.add("d-none");
  }

  function tick() {
    if (finished) {
      return;
    }
    var left = timeout - (Date.now() - lastActivity);
    if (left <= 0) {
      finished = true;
      // The next request finds the session ended and lands on the login page with the reason.
      window.location.reload();
      return;
    }
    if (left <= warning) {
      countdown.textContent = String(Math.ceil(left / 1000));
      box.classList.remove("d-none");
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (response.ok) {
        activity();
      } else {
        window.location.assign(box.dataset.loginUrl);
      }
    });
  });
  document.body.addEventListener("htmx:afterRequest", activity);
  window.setInterval(tick, 1000);
})();
