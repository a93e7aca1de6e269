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

// After htmx swaps in a step (not a revealed question), update the title and move focus to the
// error summary or message if there is one, else to the step heading, so screen readers announce it.
document.addEventListener("htmx:afterSettle", function (event) {
  var config = event.detail && event.detail.requestConfig;
  if (!config || !config.elt || config.elt.id !== "wizard-form") return;
  var form = document.getElementById("wizard-form");
  if (!form) return;
  if (form.getAttribute("data-title")) document.title = form.getAttribute("data-title");
  var target = form.querySelector(".error-summary, .messages") || form.querySelector("[data-step-heading]");
  if (target) {
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
});

// htmx does not show error responses (an expired session, a lost connection): load the page
// normally instead, so the server's own page explains what happened.
document.addEventListener("htmx:responseError", function () { window.location.reload(); });
document.addEventListener("htmx:sendError", function () { window.location.reload(); });

// A choice made before htmx was ready (a quick tap while the page loads on a slow line, or the
// browser restoring a form on Back) sent no request, so the questions that depend on it stay
// hidden. Once the page has loaded, ask for them: only for choices that differ from what the
// server rendered, so a normal load sends nothing.
window.addEventListener("pageshow", function () {
  if (!window.htmx) return;
  var asked = {};
  document.querySelectorAll("input[hx-post][hx-trigger='change']").forEach(function (input) {
    var target = input.getAttribute("hx-target");
    if (input.checked !== input.defaultChecked && !asked[target]) {
      asked[target] = true;
      window.htmx.trigger(input, "change");
    }
  });
});
