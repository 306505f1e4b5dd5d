// crosswalk portal: table sorting and filtering. No dependencies, no network.
(function () {
  "use strict";
  // Marks the page as scripted (styles may rely on it; tests check the script ran under the CSP).
  document.documentElement.classList.add("js");
  function cellValue(row, i, kind) {
    var cell = row.cells[i];
    if (!cell) return "";
    var v = cell.getAttribute("data-value");
    if (v === null) v = cell.textContent.trim();
    return kind === "num" ? parseFloat(v) || 0 : v.toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th, i) {
      var asc = true;
      th.addEventListener("click", function () {
        var kind = th.getAttribute("data-sort");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, i, kind), y = cellValue(b, i, kind);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        asc = !asc;
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // Filters of the evidence library and the documents index: free text, framework served,
  // freshness, over every table marked data-filterable. A query (?fresh=stale, ?framework=soc2,
  // ?q=text) presets them, so the home page can link to "all expired records".
  var tables = document.querySelectorAll("table[data-filterable]");
  if (tables.length) {
    var text = document.querySelector("[data-filter-text]");
    var fw = document.querySelector("[data-filter-framework]");
    var fresh = document.querySelector("[data-filter-fresh]");
    var counter = document.querySelector("[data-filter-count]");
    var apply = function () {
      var q = text ? text.value.trim().toLowerCase() : "";
      var f = fw ? fw.value : "";
      var s = fresh ? fresh.value : "";
      var shown = 0, total = 0;
      Array.prototype.forEach.call(tables, function (t) {
        var visible = 0;
        Array.prototype.forEach.call(t.tBodies[0].rows, function (row) {
          var ok = (!q || row.textContent.toLowerCase().indexOf(q) >= 0) &&
            (!f || (row.getAttribute("data-frameworks") || "").indexOf(" " + f + " ") >= 0) &&
            (!s || row.getAttribute("data-fresh") === s);
          row.hidden = !ok;
          if (ok) visible++;
          total++;
        });
        shown += visible;
        var group = t.closest("[data-filter-group]");
        if (group) group.hidden = visible === 0;
      });
      if (counter) counter.textContent = (q || f || s) ? "showing " + shown + " of " + total : "";
    };
    var preset = false;
    var params = new URLSearchParams(window.location.search);
    [[text, "q"], [fw, "framework"], [fresh, "fresh"]].forEach(function (p) {
      var v = params.get(p[1]);
      if (p[0] && v !== null) { p[0].value = v; preset = true; }
    });
    [text, fw, fresh].forEach(function (el) { if (el) el.addEventListener("input", apply); });
    if (preset) apply();
  }
  // Framework pages: show controls by status.
  var status = document.querySelector("[data-filter-status]");
  if (status) {
    status.addEventListener("input", function () {
      var v = status.value;
      document.querySelectorAll("table[data-controls] tbody tr").forEach(function (row) {
        row.hidden = !!v && row.getAttribute("data-status") !== v;
      });
    });
  }
})();
