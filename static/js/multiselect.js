/*
 * Searchable selects: every <select data-searchable> becomes a Tom Select box (vendored in
 * static/vendor/tom-select). Multi-selects show the chosen rows as chips that stay in view, with a
 * remove button each; options keep their <optgroup> (the section). Runs again on content that htmx
 * swaps in. No inline styles are written (Tom Select uses the CSSOM, which the CSP allows).
 */
(function () {
  "use strict";

  function enhance(root) {
    if (typeof window.TomSelect !== "function") {
      return;
    }
    root.querySelectorAll("select[data-searchable]").forEach(function (select) {
      if (select.tomselect) {
        return;
      }
      var multiple = select.multiple;
      var searchUrl = select.dataset.searchUrl;
      var options = {
        plugins: multiple ? ["remove_button", "checkbox_options"] : [],
        placeholder: select.dataset.placeholder || "",
        hidePlaceholder: false,
        maxOptions: null,
        closeAfterSelect: !multiple,
        lockOptgroupOrder: true,
        searchField: ["text", "optgroup"],
        render: {
          no_results: function () {
            var div = document.createElement("div");
            div.className = "no-results";
            div.textContent = select.dataset.noResults || "没有找到匹配的选项";
            return div;
          },
        },
      };
      if (searchUrl) {
        // A long choice lists its first records; the others are found on the server as the person types.
        // A long list of people lists one's own section and the chosen ones; the others come the same way,
        // each under their section (a heading the select may not have yet).
        options.load = function (query, callback) {
          var box = this;
          fetch(searchUrl + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
            .then(function (response) { return response.ok ? response.json() : { results: [] }; })
            .then(function (data) {
              data.results.forEach(function (result) {
                if (result.optgroup && !box.optgroups[result.optgroup]) {
                  box.addOptionGroup(result.optgroup, { label: result.optgroup });
                }
              });
              callback(data.results);
            })
            .catch(function () { callback(); });
        };
      }
      new window.TomSelect(select, options);
      // The label now names Tom Select's own control; the original, kept only to submit the form
      // (and out of the tab order), is hidden from screen readers so it is not read as an unnamed field.
      select.setAttribute("aria-hidden", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
  });
})();
