/* Progressive enhancement only: every page works without this file. No inline script anywhere (CSP). */
"use strict";
// With JavaScript, questions that are not asked yet are hidden until they matter (see site.css).
document.documentElement.classList.add("js");

document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-action]");
  if (!button) return;
  var action = button.getAttribute("data-action");
  if (action === "print") {
    window.print();
  } else if (action === "copy") {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-status-target"));
    var text = source.value !== undefined ? source.value : source.textContent;
    var done = function (message) { if (status) status.textContent = message; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { done("Copied to the clipboard."); },
        function () { source.select(); done("Select the text and copy it (Ctrl+C)."); }
      );
    } else {
      source.select();
      done(document.execCommand && document.execCommand("copy") ? "Copied to the clipboard." : "Select the text and copy it (Ctrl+C).");
    }
  }
});

// After htmx swaps in a new step, move focus to its heading so screen readers announce it.
document.addEventListener("htmx:afterSwap", function (event) {
  var heading = event.detail.target && event.detail.target.querySelector && event.detail.target.querySelector("[data-step-heading]");
  if (heading) heading.focus();
});
