(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var dataNode = document.getElementById("tw-data");
  var data = dataNode ? JSON.parse(dataNode.textContent) : {};
  var tables = Array.prototype.slice.call(document.querySelectorAll("table.findings"));
  var bodies = [];
  tables.forEach(function (table) {
    bodies = bodies.concat(Array.prototype.slice.call(table.tBodies));
  });
  bodies = bodies.filter(function (b) { return b.classList.contains("finding"); });

  var form = document.getElementById("filters");
  var fStatus = document.getElementById("f-status");
  var fSeverity = document.getElementById("f-severity");
  var fAccount = document.getElementById("f-account");
  var fRegion = document.getElementById("f-region");
  var fText = document.getElementById("f-text");
  var countOut = document.getElementById("f-count");
  var passGroup = document.getElementById("pass-group");

  function addOptions(select, items) {
    if (!select) { return; }
    items.forEach(function (item) {
      var opt = document.createElement("option");
      opt.value = item.value;
      opt.textContent = item.label;
      select.appendChild(opt);
    });
  }
  function plain(values) {
    return (values || []).map(function (v) { return { value: v, label: v }; });
  }
  addOptions(fStatus, plain(data.statuses));
  addOptions(fSeverity, plain(data.severities));
  addOptions(fAccount, (data.accounts || []).map(function (a) {
    return { value: a.id, label: a.name ? a.name + " (" + a.id + ")" : a.id };
  }));
  addOptions(fRegion, plain(data.regions));

  var searchText = new Map();
  function textOf(body) {
    var text = searchText.get(body);
    if (text === undefined) {
      var main = body.rows[0];
      var extra = [];
      Array.prototype.forEach.call(main.querySelectorAll("[title]"), function (el) {
        extra.push(el.getAttribute("title"));
      });
      text = (main.textContent + " " + extra.join(" ") + " " + (body.dataset.region || "")).toLowerCase();
      searchText.set(body, text);
    }
    return text;
  }

  function applyFilters() {
    var status = fStatus ? fStatus.value : "";
    var severity = fSeverity ? fSeverity.value : "";
    var account = fAccount ? fAccount.value : "";
    var region = fRegion ? fRegion.value : "";
    var words = (fText ? fText.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    bodies.forEach(function (body) {
      var d = body.dataset;
      var ok = (!status || d.status === status) &&
        (!severity || d.severity === severity) &&
        (!account || d.account === account) &&
        (!region || d.region === region);
      if (ok && words.length) {
        var text = textOf(body);
        ok = words.every(function (w) { return text.indexOf(w) !== -1; });
      }
      body.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (passGroup && status === "PASS") { passGroup.open = true; }
    if (countOut) {
      countOut.textContent = "Showing " + shown + " of " + bodies.length + " findings";
    }
  }

  var timer = null;
  function scheduleFilter() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; applyFilters(); }, 120);
  }
  [fStatus, fSeverity, fAccount, fRegion].forEach(function (el) {
    if (el) { el.addEventListener("change", applyFilters); }
  });
  if (fText) { fText.addEventListener("input", scheduleFilter); }
  if (form) {
    form.addEventListener("submit", function (ev) { ev.preventDefault(); applyFilters(); });
    form.addEventListener("reset", function () { setTimeout(applyFilters, 0); });
  }

  function sortKey(body, col) {
    var cell = body.rows[0].cells[col];
    if (!cell) { return ""; }
    var key = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent;
    return key.trim().toLowerCase();
  }
  function compare(a, b) {
    var na = Number(a), nb = Number(b);
    if (a !== "" && b !== "" && !isNaN(na) && !isNaN(nb)) { return na - nb; }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function sortTable(table, th) {
    var col = Number(th.dataset.col);
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      if (cell.classList.contains("sortable")) { cell.setAttribute("aria-sort", "none"); }
    });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(table.tBodies).map(function (body) {
      return { body: body, key: sortKey(body, col), index: Number(body.dataset.index) };
    });
    rows.sort(function (x, y) { return dir * compare(x.key, y.key) || x.index - y.index; });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r.body); });
    table.appendChild(frag);
  }
  tables.forEach(function (table) {
    Array.prototype.forEach.call(table.querySelectorAll("th.sortable"), function (th) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortTable(table, th); });
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortTable(table, th); }
      });
    });
  });

  function setOpen(body, open) {
    var detail = body.rows[1];
    var button = body.querySelector("button.toggle");
    if (!detail) { return; }
    detail.classList.toggle("open", open);
    if (button) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
  }
  document.addEventListener("click", function (ev) {
    var target = ev.target;
    if (!(target instanceof Element)) { return; }
    var row = target.closest("tbody.finding > tr.main");
    if (!row) { return; }
    if (target.closest("a") || (window.getSelection && String(window.getSelection()) !== "")) {
      return;
    }
    var body = row.parentNode;
    setOpen(body, !body.rows[1].classList.contains("open"));
  });
  function setAll(open) {
    bodies.forEach(function (body) {
      var folded = passGroup && !passGroup.open && passGroup.contains(body);
      if (!body.hidden && !folded) { setOpen(body, open); }
    });
  }
  var expandAll = document.getElementById("expand-all");
  var collapseAll = document.getElementById("collapse-all");
  if (expandAll) { expandAll.addEventListener("click", function () { setAll(true); }); }
  if (collapseAll) { collapseAll.addEventListener("click", function () { setAll(false); }); }

  applyFilters();
})();
