/* Instant checks on the admin's item forms, as an editor types:
 * - under each Markdown field, the text rendered and sanitized exactly as clinicians will see it;
 * - under each condition row, what it means in words, or what is wrong with it.
 * The server does the work (the same renderer and the same vocabulary checks as on save);
 * without JavaScript the form still validates on save. No inline script: CSP-safe.
 * Loaded in the page head by the admin's Media, so it waits for the document. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var config = document.getElementById("editing-checks");
  var form = config && document.querySelector("#content-main form");
  var token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!token) return; // a read-only page (published content) has nothing to check

  function post(url, fields) {
    return fetch(url, {
      method: "POST",
      body: new URLSearchParams(fields),
      headers: { "X-CSRFToken": token.value },
      credentials: "same-origin",
    }).then(function (response) { return response.json(); });
  }

  // Only the answer to the latest request may show: an earlier one can arrive after it.
  function latestOnly() {
    var latest = 0;
    return function (request, show) {
      var mine = ++latest;
      request().then(function (data) { if (mine === latest) show(data); });
    };
  }

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  ["text", "plain_text", "summary"].forEach(function (name) {
    var area = form.querySelector('textarea[name="' + name + '"]');
    if (!area) return;
    var preview = document.createElement("div");
    preview.className = "markdown-preview";
    preview.id = "preview-" + name;
    var label = document.createElement("p");
    label.className = "markdown-preview-label";
    label.textContent = "Preview, as clinicians will see it:";
    var body = document.createElement("div");
    body.className = "markdown-preview-body";
    body.setAttribute("aria-live", "polite");
    preview.append(label, body);
    area.insertAdjacentElement("afterend", preview);
    var ask = latestOnly();
    var update = function () {
      ask(function () { return post(config.dataset.markdownUrl, { text: area.value }); }, function (data) {
        // Sanitized on the server (markdown-it with HTML off, then nh3).
        if (data.html !== undefined) body.innerHTML = data.html;
        else body.textContent = Object.values(data.errors || {}).join(" ");
      });
    };
    area.addEventListener("input", debounce(update, 300));
    update();
  });

  function checkRow(row) {
    var field = function (suffix) { return row.querySelector('[name$="-' + suffix + '"]'); };
    var question = field("question"), operator = field("operator"), value = field("value");
    if (!question || !operator || !value || !question.value || !operator.value) return;
    var out = row.querySelector(".condition-check");
    if (!out) {
      out = document.createElement("span");
      out.className = "condition-check";
      out.setAttribute("aria-live", "polite");
      value.insertAdjacentElement("afterend", out);
      out.ask = latestOnly();
    }
    // Checked against the questions of the item's edition (on an add form, the edition chosen).
    var editionField = document.querySelector('select[name="edition"]');
    var edition = config.dataset.edition || (editionField ? editionField.value : "");
    var fields = { question: question.value, operator: operator.value, value: value.value, edition: edition };
    out.ask(function () { return post(config.dataset.conditionUrl, fields); }, function (data) {
      out.textContent = data.message;
      out.classList.toggle("condition-check-error", !data.ok);
    });
  }

  var conditions = document.getElementById("conditions-group");
  if (conditions) {
    var rowOf = function (event) { return event.target.closest("tr.form-row"); };
    conditions.addEventListener("input", debounce(function (event) { if (rowOf(event)) checkRow(rowOf(event)); }, 300));
    conditions.addEventListener("change", function (event) { if (rowOf(event)) checkRow(rowOf(event)); });
    conditions.querySelectorAll("tr.form-row").forEach(checkRow);
  }
});
