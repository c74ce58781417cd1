(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.art"));
  var state = { filter: "all", q: "" };
  var counter = document.getElementById("matrix-count");

  function detailOf(row) {
    return document.getElementById(row.getAttribute("data-detail"));
  }
  function setOpen(row, open) {
    var detail = detailOf(row);
    var button = row.querySelector("button.toggle");
    if (!detail || !button) { return; }
    detail.hidden = !open;
    row.setAttribute("data-open", open ? "1" : "0");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "\u25BC" : "\u25B6";
  }
  function matches(row) {
    var r = row.getAttribute("data-result");
    var ok = state.filter === "all" ||
      (state.filter === "failing" && (r === "failed" || r === "error")) ||
      state.filter === r;
    if (ok && state.q) {
      var detail = detailOf(row);
      var text = row.textContent + " " + (detail ? detail.textContent : "");
      ok = text.toLowerCase().indexOf(state.q) >= 0;
    }
    return ok;
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      row.hidden = !ok;
      var detail = detailOf(row);
      if (detail) { detail.hidden = !ok || row.getAttribute("data-open") !== "1"; }
      if (ok) { shown += 1; }
    });
    if (counter) { counter.textContent = String(shown) + " / " + String(rows.length); }
  }
  rows.forEach(function (row) {
    var button = row.querySelector("button.toggle");
    if (button) {
      button.addEventListener("click", function () {
        setOpen(row, row.getAttribute("data-open") !== "1");
      });
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-filter]"), function (b) {
    b.addEventListener("click", function () {
      state.filter = b.getAttribute("data-filter");
      Array.prototype.forEach.call(document.querySelectorAll("button[data-filter]"), function (o) {
        o.setAttribute("aria-pressed", o === b ? "true" : "false");
      });
      apply();
    });
  });
  var search = document.getElementById("matrix-search");
  if (search) {
    search.addEventListener("input", function () {
      state.q = search.value.trim().toLowerCase();
      apply();
    });
  }
  var expand = document.getElementById("expand-failing");
  if (expand) {
    expand.addEventListener("click", function () {
      rows.forEach(function (row) {
        var r = row.getAttribute("data-result");
        if (r === "failed" || r === "error") { setOpen(row, true); }
      });
      apply();
    });
  }
  var collapse = document.getElementById("collapse-all");
  if (collapse) {
    collapse.addEventListener("click", function () {
      rows.forEach(function (row) { setOpen(row, false); });
      apply();
    });
  }
  function openFromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var row = id ? document.getElementById(id) : null;
    if (row && row.classList.contains("art")) { setOpen(row, true); apply(); }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  apply();
  document.documentElement.setAttribute("data-ready", "1");
})();
