/*
 * Progress bars of background jobs (components/progress_bar.html: imports, ledger downloads):
 * a Bootstrap progress bar takes its width from data-percent. The width is set here through the
 * CSSOM because the Content-Security-Policy forbids style attributes.
 */
(function () {
  "use strict";

  function sizeBars(root) {
    root.querySelectorAll(".progress-bar[data-percent]").forEach(function (bar) {
      bar.style.width = bar.dataset.percent + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sizeBars(document);
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    sizeBars(event.target.parentNode || document);
  });
})();
