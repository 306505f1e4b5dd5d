// crosswalk portal: table sorting and filtering. No dependencies, no network.
(function () {
  "use strict";
  // Marks the page as scripted (styles may rely on it; tests check the script ran under the CSP).
  document.documentElement.classList.add("js");
  var slice = function (list) { return Array.prototype.slice.call(list); };
  function cellValue(row, i, kind) {
    var cell = row.cells[i];
    if (!cell) return "";
    var v = cell.getAttribute("data-value");
    if (v === null) v = cell.textContent.trim();
    return kind === "num" ? parseFloat(v) || 0 : v.toLowerCase();
  }
  function byColumn(sort) {
    return function (a, b) {
      var x = cellValue(a, sort.column, sort.kind), y = cellValue(b, sort.column, sort.kind);
      return (x < y ? -1 : x > y ? 1 : 0) * (sort.asc ? 1 : -1);
    };
  }
  function rowText(row) {
    if (row.crosswalkText === undefined) row.crosswalkText = row.textContent.toLowerCase();
    return row.crosswalkText;
  }
  // What the filters ask for, and whether a row matches it.
  function wanted(filter, row) {
    return (!filter.q || rowText(row).indexOf(filter.q) >= 0) &&
      (!filter.framework || (row.getAttribute("data-frameworks") || "").indexOf(" " + filter.framework + " ") >= 0) &&
      (!filter.fresh || row.getAttribute("data-fresh") === filter.fresh);
  }
  var counter = document.querySelector("[data-filter-count]");

  // A long evidence library comes in pages (a table with data-pages). To filter or sort every
  // record, the script loads each page's rows script (rows-N.js beside the page: a script tag
  // works opened from disk, where fetch does not) and shows the matches a page at a time.
  function Paged(table) {
    this.table = table;
    this.pages = parseInt(table.getAttribute("data-pages"), 10) || 1;
    this.total = parseInt(table.getAttribute("data-total"), 10) || 0;
    this.perPage = parseInt(table.getAttribute("data-per-page"), 10) || 500;
    this.pattern = table.getAttribute("data-rows-script");
    this.own = slice(table.tBodies[0].rows);
    this.all = null;
    this.waiting = [];
    this.offset = 0;
    this.matches = null;
    this.sort = null;
    this.filter = {};
    this.pager = document.querySelector("nav.pager");
    this.results = document.querySelector("[data-result-pager]");
    var self = this;
    if (this.results) {
      this.results.querySelector("[data-result-prev]").addEventListener("click", function () {
        self.offset = Math.max(0, self.offset - self.perPage);
        self.show();
      });
      this.results.querySelector("[data-result-next]").addEventListener("click", function () {
        if (self.offset + self.perPage < self.matches.length) self.offset += self.perPage;
        self.show();
      });
    }
  }
  // Loads every page's rows, once, then calls `done`.
  Paged.prototype.load = function (done) {
    if (this.all) return done();
    this.waiting.push(done);
    if (this.waiting.length > 1) return;
    var self = this, got = {}, count = 0, failed = false;
    window.crosswalkRows = function (n, rows) {
      if (got[n] || failed) return;
      got[n] = rows;
      count++;
      if (count < self.pages) return;
      var html = [];
      for (var p = 1; p <= self.pages; p++) html.push(got[p].join(""));
      var body = document.createElement("tbody");
      body.innerHTML = html.join("");
      self.all = slice(body.rows);
      var waiting = self.waiting;
      self.waiting = [];
      waiting.forEach(function (f) { f(); });
    };
    if (counter) counter.textContent = "loading all " + this.total + " records";
    for (var p = 1; p <= this.pages; p++) {
      var script = document.createElement("script");
      script.src = this.pattern.replace("{n}", p);
      script.onerror = function (e) {
        failed = true;
        if (counter) counter.textContent = "could not load " + e.target.getAttribute("src") + ": showing this page only";
      };
      document.head.appendChild(script);
    }
  };
  // Shows this page's own rows, or the matches of the filters and sort over every record.
  Paged.prototype.update = function () {
    var self = this, f = this.filter;
    if (!f.q && !f.framework && !f.fresh && !this.sort) {
      this.matches = null;
      this.offset = 0;
      this.show();
      return;
    }
    this.load(function () {
      self.matches = self.all.filter(function (row) { return wanted(self.filter, row); });
      if (self.sort) self.matches.sort(byColumn(self.sort));
      self.offset = 0;
      self.show();
    });
  };
  Paged.prototype.show = function () {
    var body = this.table.tBodies[0];
    var rows = this.matches ? this.matches.slice(this.offset, this.offset + this.perPage) : this.own;
    var fragment = document.createDocumentFragment();
    rows.forEach(function (r) { r.hidden = false; fragment.appendChild(r); });
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(fragment);
    if (this.pager) this.pager.hidden = !!this.matches;
    var many = this.matches && this.matches.length > this.perPage;
    if (this.results) {
      this.results.hidden = !many;
      this.results.querySelector("[data-result-prev]").disabled = this.offset === 0;
      this.results.querySelector("[data-result-next]").disabled =
        !many || this.offset + this.perPage >= this.matches.length;
    }
    var f = this.filter;
    if (!counter) return;
    if (!this.matches || (!f.q && !f.framework && !f.fresh)) {
      counter.textContent = this.matches ? "sorted: showing " + (this.offset + 1) + "-" +
        (this.offset + rows.length) + " of " + this.total : "";
    } else if (many) {
      counter.textContent = this.matches.length + " of " + this.total + " match: showing " +
        (this.offset + 1) + "-" + (this.offset + rows.length);
    } else {
      counter.textContent = "showing " + this.matches.length + " of " + this.total;
    }
  };

  var tables = slice(document.querySelectorAll("table[data-filterable]"));
  var paged = null;
  tables.forEach(function (t) { if (t.hasAttribute("data-pages")) paged = new Paged(t); });

  // Sorting: a long library is sorted across every record; other tables in place.
  slice(document.querySelectorAll("table.sortable")).forEach(function (table) {
    slice(table.querySelectorAll("th[data-sort]")).forEach(function (th, i) {
      var asc = true;
      th.addEventListener("click", function () {
        var sort = { column: i, kind: th.getAttribute("data-sort"), asc: asc };
        asc = !asc;
        if (paged && paged.table === table) {
          paged.sort = sort;
          paged.update();
          return;
        }
        var body = table.tBodies[0];
        var rows = slice(body.rows);
        rows.sort(byColumn(sort));
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // Filters of the evidence library and the documents index: free text, framework served,
  // freshness, over every table marked data-filterable. A query (?fresh=stale, ?framework=soc2,
  // ?q=text) presets them, so the home page can link to "all expired records".
  if (tables.length) {
    var text = document.querySelector("[data-filter-text]");
    var fw = document.querySelector("[data-filter-framework]");
    var fresh = document.querySelector("[data-filter-fresh]");
    var apply = function () {
      var filter = {
        q: text ? text.value.trim().toLowerCase() : "",
        framework: fw ? fw.value : "",
        fresh: fresh ? fresh.value : ""
      };
      if (paged) {
        paged.filter = filter;
        paged.update();
        return;
      }
      var shown = 0, total = 0;
      tables.forEach(function (t) {
        var visible = 0;
        slice(t.tBodies[0].rows).forEach(function (row) {
          var ok = wanted(filter, row);
          row.hidden = !ok;
          if (ok) visible++;
          total++;
        });
        shown += visible;
        var group = t.closest("[data-filter-group]");
        if (group) group.hidden = visible === 0;
      });
      if (counter) {
        counter.textContent = (filter.q || filter.framework || filter.fresh) ? "showing " + shown + " of " + total : "";
      }
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
