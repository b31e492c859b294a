// The call form: accept a suggestion into the form with one click (or Enter/Space on it),
// Enter moves to the next field instead of submitting, focus goes to the result when it comes.
(function () {
  "use strict";

  function form() { return document.getElementById("call-form"); }

  function setField(name, value) {
    var field = form() && form().elements[name];
    if (!field) return;
    if (field.tagName === "SELECT" && value && !field.querySelector('option[value="' + value + '"]')) {
      field.add(new Option(value, value));
    }
    field.value = value;
    field.classList.add("accepted");
    setTimeout(function () { field.classList.remove("accepted"); }, 1200);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-accept]");
    if (!button || !form()) return;
    var fields = {};
    try { fields = JSON.parse(button.dataset.accept); } catch (e) { return; }
    Object.keys(fields).forEach(function (name) { setField(name, fields[name]); });
    button.classList.add("taken");
    button.setAttribute("aria-pressed", "true");
  });

  // Enter in a one-line field goes to the next field: a half-typed call is never submitted.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || event.altKey || event.ctrlKey || !form()) return;
    if (!form().contains(target) || !target.matches("input")) return;
    event.preventDefault();
    var fields = Array.prototype.filter.call(form().elements, function (el) {
      return !el.disabled && el.type !== "hidden" && el.tabIndex >= 0;
    });
    var next = fields[fields.indexOf(target) + 1];
    if (next) next.focus();
  });

  // A typed address is not the accepted place any more: its grid goes.
  document.addEventListener("input", function (event) {
    if (event.target.id === "address") document.getElementById("grid_code").value = "";
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "result") return;
    var title = document.getElementById("result-title");
    if (title) title.focus();
  });
})();
