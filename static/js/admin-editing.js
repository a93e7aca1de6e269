/* Instant help on the admin's item forms, as an editor types:
 * - under each Markdown field, the text rendered and sanitized exactly as clinicians will see it;
 * - the condition editor: a row's comparisons are those that fit its question's kind, and its
 *   answer is picked from the question's answers (ticked, for "is one of") or typed as a number
 *   within the question's range; the row's own text field, which is what the form posts, follows;
 * - under each condition row, what it means in words, or what is wrong with it;
 * - a row added with "Add another" is numbered to come last.
 * The server does the work (the same renderer and the same vocabulary checks as on save) and
 * sends each question's kind, answers, range and fitting comparisons as a JSON script element;
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

  // --- the condition editor ------------------------------------------------------------------

  var offerData = document.getElementById("condition-questions");
  var offers = {};
  (offerData ? JSON.parse(offerData.textContent) : []).forEach(function (q) { offers[q.key] = q; });
  var NO_ANSWER = ["is_empty", "is_answered"];

  function element(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The answer widget that fits the row's question and comparison; it writes the row's text field.
  function answerWidget(question, operator, value, rowName) {
    var current = value.value.split(",").map(function (part) { return part.trim(); }).filter(Boolean);
    var label = "Answer to compare with" + (question ? " (" + question.label + ")" : "");
    if (!question) return element("span", { class: "condition-answer-note" }, "Choose a question first.");
    if (NO_ANSWER.indexOf(operator) !== -1) {
      value.value = "";
      return element("span", { class: "condition-answer-note" }, "No answer to compare with.");
    }
    if (question.kind === "integer") {
      var number = element("input", {
        type: "number", step: "1", min: question.minimum, max: question.maximum, inputmode: "numeric",
        class: "condition-answer", "aria-label": label + ", " + question.minimum + " to " + question.maximum,
      });
      number.value = /^-?\d+$/.test(value.value.trim()) ? value.value.trim() : "";
      value.value = number.value;
      number.addEventListener("input", function () { value.value = number.value; });
      return number;
    }
    if (operator === "one_of") {
      var group = element("fieldset", { class: "condition-answer condition-answer-several" });
      group.append(element("legend", {}, label + ": tick two or more"));
      question.options.forEach(function (option, index) {
        var id = rowName + "-answer-" + index;
        var box = element("input", { type: "checkbox", id: id, value: option.code });
        box.checked = current.indexOf(option.code) !== -1;
        var tick = element("label", { for: id }, option.label);
        var line = element("span", { class: "condition-answer-option" });
        line.append(box, tick);
        group.append(line);
      });
      var write = function () {
        value.value = Array.prototype.filter.call(group.querySelectorAll("input"), function (box) {
          return box.checked;
        }).map(function (box) { return box.value; }).join(", ");
      };
      group.addEventListener("change", write);
      write();
      return group;
    }
    var select = element("select", { class: "condition-answer", "aria-label": label });
    select.append(element("option", { value: "" }, "---------"));
    question.options.forEach(function (option) {
      var choice = element("option", { value: option.code }, option.label);
      choice.selected = current.length === 1 && current[0] === option.code;
      select.append(choice);
    });
    value.value = select.value;
    select.addEventListener("change", function () { value.value = select.value; });
    return select;
  }

  // Offer the row the comparisons that fit its question, and the answer widget that fits both.
  function fitRow(row) {
    var field = function (suffix) { return row.querySelector('[name$="-' + suffix + '"]'); };
    var question = field("question"), operator = field("operator"), value = field("value");
    if (!question || !operator || !value || question.tagName !== "SELECT") return;
    var offer = offers[question.value];
    Array.prototype.forEach.call(operator.options, function (option) {
      var fits = !option.value || (offer ? offer.operators.indexOf(option.value) !== -1 : true);
      option.disabled = !fits;
      option.hidden = !fits;
    });
    if (operator.selectedOptions.length && operator.selectedOptions[0].disabled) operator.value = "";
    var old = row.querySelector(".condition-answer-slot");
    if (old) old.remove();
    var slot = element("span", { class: "condition-answer-slot" });
    slot.append(answerWidget(offer, operator.value, value, value.name));
    value.type = "hidden";  // still posted: the widget writes it
    value.insertAdjacentElement("afterend", slot);
  }

  // A row added with "Add another" goes last: its order is one more than the largest in its formset
  // (the model's default, 0, would sort it before the rows already there).
  document.addEventListener("formset:added", function (event) {
    var order = event.target.querySelector('input[name$="-order"]');
    var group = event.target.closest(".inline-group");
    if (!order || !group) return;
    var largest = -1;
    group.querySelectorAll('tr.form-row:not(.empty-form) input[name$="-order"]').forEach(function (input) {
      if (input !== order && input.value !== "") largest = Math.max(largest, parseInt(input.value, 10));
    });
    order.value = String(largest + 1);
  });

  var conditions = document.getElementById("conditions-group");
  if (conditions) {
    var rowOf = function (event) { return event.target.closest("tr.form-row"); };
    var fitsChanged = function (event) { return /-(question|operator)$/.test(event.target.name || ""); };
    conditions.addEventListener("input", debounce(function (event) { if (rowOf(event)) checkRow(rowOf(event)); }, 300));
    conditions.addEventListener("change", function (event) {
      var row = rowOf(event);
      if (!row) return;
      if (fitsChanged(event)) fitRow(row);
      checkRow(row);
    });
    // Rows added with "Add another Condition" (Django's inlines dispatch formset:added on the new row).
    document.addEventListener("formset:added", function (event) {
      if (event.detail && event.detail.formsetName === "conditions") fitRow(event.target);
    });
    conditions.querySelectorAll("tr.form-row:not(.empty-form)").forEach(function (row) {
      fitRow(row);
      checkRow(row);
    });
  }
});
