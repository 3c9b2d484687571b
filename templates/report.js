(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  var dataNode = document.getElementById("tw-data");
  var data = dataNode ? JSON.parse(dataNode.textContent) : {};
  // Rows and table entries are lists in the data (small files); the names of their fields come
  // with the data (reports/html.py ROW_FIELDS and friends) and every field is read by name.
  var FIELDS = data.fields || {};
  function decoder(names, defaults) {
    names = names || [];
    return function (values) {
      var out = {};
      for (var i = 0; i < names.length; i += 1) {
        out[names[i]] = i < values.length ? values[i] : (defaults ? defaults[i] : undefined);
      }
      return out;
    };
  }
  var rows = (data.findings || []).map(decoder(FIELDS.row, FIELDS.rowDefaults));
  var STATUSES = data.statuses || [];
  var SEVERITIES = data.severities || [];
  var CHANGES = data.changes || null;
  var CHECKS = (data.checks || []).map(decoder(FIELDS.check));
  var ACCOUNTS = (data.accounts || []).map(decoder(FIELDS.account));
  var REGIONS = data.regions || [];
  var TYPES = data.types || [];
  var TIMES = data.times || [];
  var RULES = (data.rules || []).map(decoder(FIELDS.rule));
  var relatedEntry = decoder(FIELDS.related);
  var errorEntry = decoder(FIELDS.error);
  var ID_FORMAT = data.idFormat || "";
  var PASS = STATUSES.indexOf("PASS");
  var PAGE = 200;

  var body = document.getElementById("findings-body");
  var table = document.getElementById("findings-table");
  var form = document.getElementById("filters");
  var fStatus = document.getElementById("f-status");
  var fSeverity = document.getElementById("f-severity");
  var fAccount = document.getElementById("f-account");
  var fRegion = document.getElementById("f-region");
  var fCheck = document.getElementById("f-check");
  var fChange = document.getElementById("f-change");
  var fText = document.getElementById("f-text");
  var fGroup = document.getElementById("f-group");
  var countOut = document.getElementById("f-count");
  var groupsBody = document.getElementById("groups-body");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function pill(value, prefix) {
    return el("span", (prefix || "pill st-") + String(value).toLowerCase(),
      String(value).replace(/_/g, " "));
  }
  function addOptions(select, items) {
    if (!select) { return; }
    items.forEach(function (item) {
      var opt = document.createElement("option");
      opt.value = String(item[0]);
      opt.textContent = item[1];
      select.appendChild(opt);
    });
  }
  addOptions(fStatus, STATUSES.map(function (s) { return [s, s]; }));
  addOptions(fSeverity, SEVERITIES.map(function (s) { return [s, s]; }));
  addOptions(fAccount, ACCOUNTS.map(function (a, i) {
    return [i, a.name ? a.name + " (" + a.id + ")" : a.id];
  }));
  addOptions(fRegion, REGIONS.map(function (r, i) { return [i, r]; }));
  var checkOrder = CHECKS.map(function (c, i) { return i; }).sort(function (a, b) {
    return CHECKS[a].label.localeCompare(CHECKS[b].label, undefined, { numeric: true });
  });
  addOptions(fCheck, checkOrder.map(function (i) {
    var c = CHECKS[i];
    return [i, c.label === c.id ? c.id : c.label + " (" + c.id + ")"];
  }));
  if (CHANGES) {
    addOptions(fChange, CHANGES.map(function (c, i) { return [i, c.replace(/_/g, " ")]; }));
  }
  var checkIndex = {};
  CHECKS.forEach(function (c, i) { checkIndex[c.id] = i; });

  // The finding Id: the whole Id after a "!", else the page's idFormat (scanner.findings
  // ID_FORMAT) filled in with the row's fields.
  function findingId(row) {
    if (row.idPart.charAt(0) === "!") { return row.idPart.slice(1); }
    var parts = {
      account: ACCOUNTS[row.account].id,
      region: REGIONS[row.region],
      check: CHECKS[row.check].id,
      digest: row.idPart
    };
    return ID_FORMAT.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(parts, name) ? parts[name] : whole;
    });
  }

  var haystacks = [];
  function haystack(i) {
    var text = haystacks[i];
    if (text === undefined) {
      var row = rows[i];
      var check = CHECKS[row.check];
      var acct = ACCOUNTS[row.account];
      text = [check.id, check.label, check.title, acct.id, acct.name, acct.ou, REGIONS[row.region],
        TYPES[row.type], row.resource, row.reason, row.reasonCode, STATUSES[row.status], findingId(row)]
        .join(" \u0001 ").toLowerCase();
      haystacks[i] = text;
    }
    return text;
  }

  var sortState = { key: null, dir: 1 };
  var openGroups = {};
  var openDetails = {};
  var limit = PAGE;

  function sortValue(row, key) {
    switch (key) {
      case "status": return row.status;
      case "severity": return row.severity;
      case "check": return CHECKS[row.check].label.toLowerCase();
      case "account": return (ACCOUNTS[row.account].name || ACCOUNTS[row.account].id).toLowerCase();
      case "region": return REGIONS[row.region];
      case "resource": return row.resource.toLowerCase();
      case "reason": return row.reason.toLowerCase();
      default: return 0;
    }
  }
  function compareIndexes(a, b) {
    if (sortState.key) {
      var x = sortValue(rows[a], sortState.key);
      var y = sortValue(rows[b], sortState.key);
      if (x < y) { return -sortState.dir; }
      if (x > y) { return sortState.dir; }
    }
    return a - b;
  }

  function filtered() {
    var status = fStatus ? fStatus.value : "";
    var severity = fSeverity && fSeverity.value ? SEVERITIES.indexOf(fSeverity.value) : -1;
    var account = fAccount && fAccount.value ? Number(fAccount.value) : -1;
    var region = fRegion && fRegion.value ? Number(fRegion.value) : -1;
    var check = fCheck && fCheck.value ? Number(fCheck.value) : -1;
    var change = fChange && fChange.value ? Number(fChange.value) : -1;
    var words = (fText ? fText.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    var notPass = status === "!PASS";
    var statusIndex = status && !notPass ? STATUSES.indexOf(status) : -1;
    var out = [];
    for (var i = 0; i < rows.length; i += 1) {
      var row = rows[i];
      if (notPass && row.status === PASS) { continue; }
      if (statusIndex !== -1 && row.status !== statusIndex) { continue; }
      if (severity !== -1 && row.severity !== severity) { continue; }
      if (account !== -1 && row.account !== account) { continue; }
      if (region !== -1 && row.region !== region) { continue; }
      if (check !== -1 && row.check !== check) { continue; }
      if (change !== -1 && row.change !== change) { continue; }
      if (words.length) {
        var text = haystack(i);
        var ok = true;
        for (var w = 0; w < words.length; w += 1) {
          if (text.indexOf(words[w]) === -1) { ok = false; break; }
        }
        if (!ok) { continue; }
      }
      out.push(i);
    }
    return out;
  }

  // What to draw: the findings (paged), and with grouping on, the passed ones as one group
  // per check (each group's members are drawn when it is opened, paged as well).
  function entries(matching) {
    matching.sort(compareIndexes);
    if (!(fGroup && fGroup.checked)) { return { list: matching, groups: [] }; }
    var list = [];
    var groups = {};
    var order = [];
    matching.forEach(function (i) {
      var row = rows[i];
      if (row.status !== PASS) { list.push(i); return; }
      var g = groups[row.check];
      if (!g) { g = groups[row.check] = { check: row.check, members: [] }; order.push(g); }
      g.members.push(i);
    });
    order.sort(function (a, b) {
      return CHECKS[a.check].label.localeCompare(CHECKS[b.check].label, undefined, { numeric: true });
    });
    return { list: list, groups: order };
  }

  function moreRow(rest, key) {
    var tr = el("tr", "more-row");
    var td = el("td");
    td.colSpan = 8;
    var button = el("button", "more", "Show " + Math.min(rest, PAGE) + " more (" + rest + " not shown)");
    button.type = "button";
    button.dataset.more = key;
    td.appendChild(button);
    tr.appendChild(td);
    return tr;
  }

  function findingRow(i, member) {
    var row = rows[i];
    var check = CHECKS[row.check];
    var acct = ACCOUNTS[row.account];
    var tr = el("tr", "main" + (member ? " member" : ""));
    tr.dataset.i = String(i);
    tr.dataset.status = STATUSES[row.status];
    tr.dataset.findingId = findingId(row);
    var toggle = el("td", "col-toggle");
    var button = el("button", "toggle", "\u25b8");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", "Details of " + check.label + " on " + row.resource);
    toggle.appendChild(button);
    tr.appendChild(toggle);
    var st = el("td");
    st.appendChild(pill(STATUSES[row.status]));
    var verdict = row.verdict;
    if (verdict !== -1) { st.appendChild(el("div", "muted small", "verdict " + STATUSES[verdict])); }
    var change = row.change;
    if (CHANGES && change !== -1 && CHANGES[change] !== "unchanged") {
      st.appendChild(el("div")).appendChild(pill(CHANGES[change], "pill ch st-"));
    }
    tr.appendChild(st);
    var sev = el("td");
    sev.appendChild(pill(SEVERITIES[row.severity], "sev sev-"));
    tr.appendChild(sev);
    var chk = el("td");
    chk.appendChild(el("span", "mono", check.label));
    chk.appendChild(el("div", "muted small", check.title));
    tr.appendChild(chk);
    var ac = el("td");
    if (acct.name) { ac.appendChild(el("div", null, acct.name)); }
    ac.appendChild(el("span", "muted mono", acct.id));
    tr.appendChild(ac);
    tr.appendChild(el("td", "mono", REGIONS[row.region]));
    var res = el("td", "mono wrap");
    res.appendChild(el("span", "muted", TYPES[row.type]));
    res.appendChild(el("br"));
    res.appendChild(document.createTextNode(row.resource));
    tr.appendChild(res);
    tr.appendChild(el("td", "reason", row.reason));
    return tr;
  }

  function groupRow(g) {
    var check = CHECKS[g.check];
    var accounts = {};
    g.members.forEach(function (i) { accounts[rows[i].account] = true; });
    var tr = el("tr", "group");
    tr.dataset.check = String(g.check);
    var toggle = el("td", "col-toggle");
    var button = el("button", "toggle", "\u25b8");
    button.type = "button";
    var open = !!openGroups[g.check];
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.setAttribute("aria-label", "Show the passed findings of " + check.label);
    toggle.appendChild(button);
    tr.appendChild(toggle);
    var cell = el("td");
    cell.colSpan = 7;
    cell.appendChild(pill("PASS"));
    cell.appendChild(document.createTextNode(" "));
    cell.appendChild(el("span", "mono", check.label));
    cell.appendChild(document.createTextNode(" " + check.title + " \u2014 "));
    var n = g.members.length;
    var m = Object.keys(accounts).length;
    cell.appendChild(el("strong", null, n + " passed finding" + (n === 1 ? "" : "s")));
    cell.appendChild(document.createTextNode(" in " + m + " account" + (m === 1 ? "" : "s")));
    tr.appendChild(cell);
    return tr;
  }

  function fact(dl, label, value, className) {
    if (value === undefined || value === null || value === "") { return; }
    dl.appendChild(el("dt", null, label));
    var dd = el("dd", className || null);
    if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = String(value); }
    dl.appendChild(dd);
  }

  function detailRow(i) {
    var row = rows[i];
    var check = CHECKS[row.check];
    var acct = ACCOUNTS[row.account];
    var tr = el("tr", "detail open");
    tr.id = "detail-" + i;
    var td = el("td");
    td.colSpan = 8;
    var dl = el("dl", "facts");
    fact(dl, "Reason", row.reason, "pre");
    fact(dl, "Resource", row.resource, "mono wrap");
    var checkCell = document.createDocumentFragment();
    checkCell.appendChild(el("span", "mono", check.id));
    if (check.anchor) {
      checkCell.appendChild(document.createTextNode(" \u00b7 "));
      var link = el("a", null, check.label + ": rationale and requirements");
      link.href = "#" + check.anchor;
      checkCell.appendChild(link);
    }
    fact(dl, "Check", checkCell);
    fact(dl, "Reason code", row.reasonCode, "mono");
    fact(dl, "OU", acct.ou);
    var verdict = row.verdict;
    var rule = row.rule;
    if (rule !== -1 && RULES[rule]) {
      var r = RULES[rule];
      fact(dl, "Suppressed", "suppressions[" + r.rule + "] (" + r.check + "): " + r.reason +
        " \u2014 owner " + r.owner + ", expires " + r.expires +
        (verdict !== -1 ? "; verdict " + STATUSES[verdict] : ""), "pre");
    }
    var change = row.change;
    if (CHANGES && change !== -1) { fact(dl, "Since baseline", CHANGES[change].replace(/_/g, " ")); }
    fact(dl, "Collected", TIMES[row.time]);
    fact(dl, "Finding id", findingId(row), "mono wrap");
    td.appendChild(dl);

    var related = row.related;
    if (related.length) {
      td.appendChild(el("h4", null, "Related resources"));
      var ul = el("ul", "related");
      related.map(relatedEntry).forEach(function (rel) {
        var li = el("li", "mono wrap");
        li.appendChild(el("span", "muted", TYPES[rel.type]));
        li.appendChild(document.createTextNode(" " + rel.id + (rel.region ? " (" + rel.region + ")" : "")));
        ul.appendChild(li);
      });
      td.appendChild(ul);
    }
    var errors = row.errors;
    if (errors.length) {
      td.appendChild(el("h4", null, "Errors"));
      var et = el("table", "errors");
      var head = el("tr");
      ["Operation", "IAM action", "Region", "Error code", "Message"].forEach(function (h) {
        head.appendChild(el("th", null, h));
      });
      et.appendChild(el("thead")).appendChild(head);
      var eb = el("tbody");
      errors.map(errorEntry).forEach(function (e) {
        var etr = el("tr");
        etr.appendChild(el("td", "mono", e.operation));
        etr.appendChild(el("td", "mono", e.iamAction));
        etr.appendChild(el("td", "mono", e.region || "-"));
        etr.appendChild(el("td", "mono", e.code));
        etr.appendChild(el("td", "wrap", e.message));
        eb.appendChild(etr);
      });
      et.appendChild(eb);
      td.appendChild(et);
    }
    if (check.remediation || check.url) {
      td.appendChild(el("h4", null, "Remediation"));
      if (check.remediation) { td.appendChild(el("p", "pre", check.remediation)); }
      if (check.url && /^https?:\/\//i.test(check.url)) {
        var p = el("p");
        var a = el("a", null, "Documentation");
        a.href = check.url;
        a.rel = "noopener noreferrer";
        a.target = "_blank";
        p.appendChild(a);
        td.appendChild(p);
      }
    }
    var evidence = row.evidence;
    var state = row.evidenceState;
    if (evidence || state === 2) {
      var h = el("h4", null, "Evidence");
      if (state === 1) { h.appendChild(el("span", "muted", " (shortened; findings.json holds all of it)")); }
      td.appendChild(h);
      if (state === 2) {
        td.appendChild(el("p", "muted", "Left out of this file to keep it small; findings.json holds it."));
      } else {
        var text = evidence;
        if (state === 0) {
          try { text = JSON.stringify(JSON.parse(evidence), null, 2); } catch (err) { text = evidence; }
        }
        td.appendChild(el("pre", "evidence", text));
      }
    }
    tr.appendChild(td);
    return tr;
  }

  var current = { list: [], groups: [], matching: 0 };
  var groupLimits = {};

  function appendFinding(frag, i, member) {
    frag.appendChild(findingRow(i, member));
    if (openDetails[i]) {
      frag.lastChild.querySelector("button.toggle").setAttribute("aria-expanded", "true");
      frag.lastChild.querySelector("button.toggle").setAttribute("aria-controls", "detail-" + i);
      frag.appendChild(detailRow(i));
    }
  }

  function draw() {
    var frag = document.createDocumentFragment();
    var shown = Math.min(limit, current.list.length);
    for (var n = 0; n < shown; n += 1) { appendFinding(frag, current.list[n], false); }
    if (current.list.length > shown) { frag.appendChild(moreRow(current.list.length - shown, "main")); }
    body.textContent = "";
    body.appendChild(frag);

    var gfrag = document.createDocumentFragment();
    current.groups.forEach(function (g) {
      gfrag.appendChild(groupRow(g));
      if (!openGroups[g.check]) { return; }
      var max = Math.min(groupLimits[g.check] || PAGE, g.members.length);
      for (var m = 0; m < max; m += 1) { appendFinding(gfrag, g.members[m], true); }
      if (g.members.length > max) { gfrag.appendChild(moreRow(g.members.length - max, String(g.check))); }
    });
    groupsBody.textContent = "";
    groupsBody.appendChild(gfrag);

    if (countOut) {
      var text = current.matching + " of " + rows.length + " findings match";
      if (current.groups.length) {
        text += "; passed ones grouped into " + current.groups.length + " check" +
          (current.groups.length === 1 ? "" : "s");
      }
      countOut.textContent = text;
    }
  }

  function apply(keepLimit) {
    var matching = filtered();
    var view = entries(matching);
    current = { list: view.list, groups: view.groups, matching: matching.length };
    if (keepLimit !== true) { limit = PAGE; groupLimits = {}; }
    draw();
  }

  var timer = null;
  function scheduleApply() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; apply(); }, 150);
  }
  [fStatus, fSeverity, fAccount, fRegion, fCheck, fChange, fGroup].forEach(function (node) {
    if (node) { node.addEventListener("change", function () { apply(); }); }
  });
  if (fText) { fText.addEventListener("input", scheduleApply); }
  if (form) {
    form.addEventListener("submit", function (ev) { ev.preventDefault(); apply(); });
    form.addEventListener("reset", function () {
      openGroups = {};
      setTimeout(function () { apply(); }, 0);
    });
  }

  function sortBy(th) {
    var key = th.dataset.key;
    var dir = sortState.key === key && sortState.dir === 1 ? -1 : 1;
    sortState = { key: key, dir: dir };
    Array.prototype.forEach.call(table.querySelectorAll("th.sortable"), function (cell) {
      cell.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    apply();
  }
  if (table) {
    Array.prototype.forEach.call(table.querySelectorAll("th.sortable"), function (th) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(th); });
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortBy(th); }
      });
    });
  }

  function toggleFinding(tr) {
    var i = Number(tr.dataset.i);
    var next = tr.nextSibling;
    var button = tr.querySelector("button.toggle");
    if (next && next.classList && next.classList.contains("detail")) {
      next.parentNode.removeChild(next);
      delete openDetails[i];
      if (button) {
        button.setAttribute("aria-expanded", "false");
        button.removeAttribute("aria-controls");
      }
    } else {
      tr.parentNode.insertBefore(detailRow(i), tr.nextSibling);
      openDetails[i] = true;
      if (button) {
        button.setAttribute("aria-expanded", "true");
        button.setAttribute("aria-controls", "detail-" + i);
      }
    }
  }

  if (table) {
    table.addEventListener("click", function (ev) {
      var target = ev.target;
      if (!(target instanceof Element) || target.closest("thead")) { return; }
      var more = target.closest("button.more");
      if (more) {
        var key = more.dataset.more;
        if (key === "main") { limit += PAGE; } else {
          groupLimits[key] = (groupLimits[key] || PAGE) + PAGE;
        }
        draw();
        return;
      }
      if (target.closest("a") || (window.getSelection && String(window.getSelection()) !== "")) {
        return;
      }
      var group = target.closest("tr.group");
      if (group) {
        var c = Number(group.dataset.check);
        if (openGroups[c]) { delete openGroups[c]; } else { openGroups[c] = true; }
        draw();
        return;
      }
      var tr = target.closest("tr.main");
      if (tr) { toggleFinding(tr); }
    });
  }

  function setAll(open) {
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr.main"), function (tr) {
      var next = tr.nextSibling;
      var isOpen = !!(next && next.classList && next.classList.contains("detail"));
      if (isOpen !== open) { toggleFinding(tr); }
    });
  }
  var expandAll = document.getElementById("expand-all");
  var collapseAll = document.getElementById("collapse-all");
  if (expandAll) { expandAll.addEventListener("click", function () { setAll(true); }); }
  if (collapseAll) { collapseAll.addEventListener("click", function () { setAll(false); }); }

  // Drill-down: a check link in the frameworks or checks section filters the table to it.
  document.addEventListener("click", function (ev) {
    var target = ev.target;
    if (!(target instanceof Element)) { return; }
    var link = target.closest("a.drill");
    if (!link || !fCheck) { return; }
    ev.preventDefault();
    var id = (link.dataset.checks || "").split(/\s+/)[0];
    var index = checkIndex[id];
    if (form) { form.reset(); }
    openGroups = {};
    setTimeout(function () {
      fCheck.value = index === undefined ? "" : String(index);
      apply();
      if (index === undefined && countOut) {
        countOut.textContent = "No findings of " + id + " in this scan";
      }
      var section = document.getElementById("findings");
      if (section && section.scrollIntoView) { section.scrollIntoView(); }
    }, 0);
  });

  // ---- print: the evidence of every FAIL/ERROR finding, drawn once, before printing ----
  var printList = document.getElementById("print-evidence-list");
  var printCount = document.getElementById("print-evidence-count");
  var printDrawn = false;
  var FAIL = STATUSES.indexOf("FAIL");
  var ERROR = STATUSES.indexOf("ERROR");
  function drawPrintEvidence() {
    if (printDrawn || !printList) { return; }
    printDrawn = true;
    var frag = document.createDocumentFragment();
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var verdict = row.verdict;
      var decided = verdict !== -1 ? verdict : row.status;
      if (decided !== FAIL && decided !== ERROR) { continue; }
      n += 1;
      var check = CHECKS[row.check];
      var acct = ACCOUNTS[row.account];
      var art = el("article", "pf");
      var h = el("h4");
      h.appendChild(pill(STATUSES[row.status]));
      if (verdict !== -1) { h.appendChild(el("span", "small", " (" + STATUSES[verdict] + ")")); }
      h.appendChild(document.createTextNode(" "));
      h.appendChild(pill(SEVERITIES[row.severity], "sev sev-"));
      h.appendChild(document.createTextNode(" "));
      h.appendChild(el("span", "mono", check.label));
      h.appendChild(document.createTextNode(" " + check.title));
      art.appendChild(h);
      var where = el("dl", "facts");
      fact(where, "Account", (acct.name ? acct.name + " " : "") + acct.id);
      fact(where, "Region", REGIONS[row.region], "mono");
      fact(where, "Resource type", TYPES[row.type], "mono");
      art.appendChild(where);
      var cell = detailRow(i).firstChild;
      while (cell.firstChild) { art.appendChild(cell.firstChild); }
      frag.appendChild(art);
    }
    if (!n) { frag.appendChild(el("p", null, "No finding failed or could not be evaluated.")); }
    printList.appendChild(frag);
    if (printCount) { printCount.textContent = n + " finding" + (n === 1 ? "" : "s") + "."; }
  }
  window.addEventListener("beforeprint", drawPrintEvidence);

  // ---- print: every collapsed section opens for printing, and closes again after ----
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    openedForPrint = [];
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      openedForPrint.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (d) { d.open = false; });
    openedForPrint = [];
  });
  // ---- print: end ----

  // ---- block: links that filter or open (matrix cells, summary links, framework names) ----
  var accountIndex = {};
  ACCOUNTS.forEach(function (a, i) { accountIndex[a.id] = i; });

  // `#filter:account=ID&check=ID&status=FAIL`: the findings of one matrix cell (or summary link).
  function applyFilterHash(hash) {
    var query = hash.slice("#filter:".length);
    var wanted = {};
    query.split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq > 0) { wanted[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1)); }
    });
    if (form) { form.reset(); }
    openGroups = {};
    setTimeout(function () {
      if (fAccount) {
        var a = accountIndex[wanted.account];
        fAccount.value = a === undefined ? "" : String(a);
      }
      if (fCheck) {
        var c = checkIndex[wanted.check];
        fCheck.value = c === undefined ? "" : String(c);
      }
      if (fStatus) { fStatus.value = STATUSES.indexOf(wanted.status) === -1 ? "" : wanted.status; }
      if (fGroup && wanted.status === "PASS") { fGroup.checked = false; }
      apply();
      var section = document.getElementById("findings");
      if (section && section.scrollIntoView) { section.scrollIntoView(); }
    }, 0);
  }

  // `#fw-KEY`: open that framework's section (its name was clicked, or the page opened there).
  function openTarget(hash) {
    var target = hash.length > 1 ? document.getElementById(hash.slice(1)) : null;
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      if (target.scrollIntoView) { target.scrollIntoView(); }
    }
  }

  function onHash() {
    var hash = window.location.hash || "";
    if (hash.indexOf("#filter:") === 0) { applyFilterHash(hash); } else { openTarget(hash); }
  }
  window.addEventListener("hashchange", onHash);
  document.addEventListener("click", function (ev) {
    var target = ev.target;
    if (!(target instanceof Element)) { return; }
    var link = target.closest("a[href^='#filter:'], a.fw-open");
    if (!link) { return; }
    var href = link.getAttribute("href");
    if (href === window.location.hash) { ev.preventDefault(); onHash(); }  // same link again
  });
  // ---- end block ----

  apply();
  if (window.location.hash) { onHash(); }
  root.dataset.twReady = "1";
})();

// ---- block: log-source filters (rows are plain HTML; filtering hides them) ----
(function () {
  var table = document.getElementById("log-sources-table");
  var form = document.getElementById("ls-filters");
  if (!table || !form) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var texts = rows.map(function (tr) { return tr.textContent.toLowerCase(); });
  var fields = { kind: "ls-kind", account: "ls-account", region: "ls-region", logging: "ls-logging", archive: "ls-archive" };
  var text = document.getElementById("ls-text");
  var count = document.getElementById("ls-count");
  function apply() {
    var wanted = {};
    Object.keys(fields).forEach(function (key) {
      var node = document.getElementById(fields[key]);
      if (node && node.value) { wanted[key] = node.value; }
    });
    var needle = text ? text.value.trim().toLowerCase() : "";
    var shown = 0;
    rows.forEach(function (tr, i) {
      var ok = Object.keys(wanted).every(function (key) { return tr.dataset[key] === wanted[key]; });
      if (ok && needle) { ok = texts[i].indexOf(needle) >= 0; }
      tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (count) { count.textContent = shown + " of " + rows.length + " log sources"; }
  }
  Object.keys(fields).forEach(function (key) {
    var node = document.getElementById(fields[key]);
    if (node) { node.addEventListener("change", apply); }
  });
  if (text) { text.addEventListener("input", apply); }
  form.addEventListener("submit", function (ev) { ev.preventDefault(); apply(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  apply();
})();
// ---- end block: log-source filters ----
