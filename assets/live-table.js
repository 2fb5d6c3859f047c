/* The live page's process table: the union of a sample's top-CPU and top-memory processes,
 * sortable by any column (click a header; again to reverse), one row element per pid that keeps
 * its place and its state (a row clicked open shows the whole command line; the full command is
 * also the cell's tooltip). A filter with text searches every process of the host on the server
 * (live-search.js: name, user, command line or pid) and the table shows those results, with a
 * line saying so ("33 of 412 processes match “kworker”"); until they come, or where the server
 * cannot search (another host, an error), it filters the sample's top rows and says that.
 *
 * The table owns its container's DOM (an empty Dash html.Div): rendering a few dozen rows per
 * tick directly is cheaper than a Dash table and keeps row elements across ticks. */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  if (node && !root.monitorFormat) { require("./dashboard.js"); }
  if (node && !(root.monitorLive && root.monitorLive.search)) { require("./live-search.js"); }
  if (node && !(root.monitorLive && root.monitorLive.rows)) { require("./live-rows.js"); }
  const fmt = () => root.monitorFormat;
  const live = () => root.monitorLive;
  const R = () => root.monitorLive.rows;

  const COLUMNS = [
    { key: "pid", label: "PID", num: true },
    { key: "name", label: "Name" },
    { key: "user", label: "User" },
    { key: "cpu", label: "CPU %", num: true, fmt: (v) => fmt().number(v, 1) },
    { key: "rss", label: "Memory", num: true, fmt: (v) => fmt().bytes(v) },
    { key: "mem", label: "Mem %", num: true, fmt: (v) => fmt().number(v, 1) },
    { key: "threads", label: "Threads", num: true },
    { key: "status", label: "Status" },
    { key: "cmdline", label: "Command" },
  ];
  const SEARCHED = ["name", "user", "cmdline"];

  /* Every process of the sample once, top-CPU list first. */
  function processRows(sample) {
    const byPid = new Map();
    const processes = (sample && sample.processes) || {};
    for (const list of [processes.top_cpu || [], processes.top_mem || []]) {
      for (const row of list) {
        if (row && !byPid.has(row.pid)) { byPid.set(row.pid, row); }
      }
    }
    return Array.from(byPid.values());
  }

  /* Rows by `sort` ({key, dir}), then by pid; an unknown column sorts by CPU (live-rows.js). */
  function comparator(sort) {
    return R().comparator(COLUMNS, sort, COLUMNS[3], (a, b) => a.pid - b.pid);
  }

  function nextSort(sort, key) {
    return R().nextSort(COLUMNS, sort, key);
  }

  /* Rows whose name, user or command contains `filter` (trimmed, any case); all when empty. */
  function filterRows(rows, filter) {
    return R().filterRows(rows, filter, SEARCHED);
  }

  /* The rows the table shows for `sample`: filtered, then sorted. */
  function tableRows(sample, filter, sort) {
    return filterRows(processRows(sample), filter).sort(comparator(sort));
  }

  /* What the table shows: {rows, line}. With filter text, a search answer for it (`result`
   * of state "ok") gives the rows; otherwise the sample's top rows, filtered, and the line
   * says which they are. Without filter text: the top rows and no line. */
  function shownRows(sample, filter, sort, result) {
    const q = String(filter || "").trim();
    if (!q) { return { rows: tableRows(sample, "", sort), line: "" }; }
    const host = (sample && sample.host) || "";
    if (result && result.state === "ok") {
      const rows = result.body.processes.slice().sort(comparator(sort));
      return { rows: rows, line: live().search.summary(result, q, host, 0, 0) };
    }
    const rows = tableRows(sample, q, sort);
    const top = processRows(sample).length;
    return { rows: rows, line: live().search.summary(result, q, host, rows.length, top) };
  }

  const cellText = (col, value) => R().cellText(col, value);

  class ProcessTable {
    constructor(container, options) {
      this.container = container;
      this.sort = { key: "cpu", dir: -1 };
      this.filter = "";
      this.sample = null;
      this.rows = new Map(); // pid -> tr
      this.expanded = new Set();
      this.whole = new Map(); // pid -> the whole command line, asked when a cut row is opened
      this.search = options && options.search !== undefined ? options.search
        : new (live().search.ProcessSearch)({
          prefix: live().api ? live().api.prefix(document) : "/",
          onAnswer: () => this.render(),
        });
      this.table = R().table(COLUMNS);
      this.body = this.table.createTBody();
      const parts = R().frame(container, this.table, "proc");
      this.line = parts.line; // what the rows are, while filtering
      this.empty = parts.empty;
      container.addEventListener("click", (event) => this.onClick(event));
      container.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && event.target.tagName === "TR") { this.onClick(event); }
      });
    }

    onClick(event) {
      const button = event.target.closest("th button");
      if (button) {
        this.sort = nextSort(this.sort, button.dataset.key);
        this.render();
        return;
      }
      const tr = event.target.closest("tbody tr");
      if (tr) {
        const pid = Number(tr.dataset.pid);
        if (this.expanded.has(pid)) { this.expanded.delete(pid); } else { this.expanded.add(pid); }
        this.mark(tr, pid);
        this.askWhole(pid, tr.cells[COLUMNS.findIndex((c) => c.key === "cmdline")].textContent);
      }
    }

    /* A row opened whose command line the sample cut ("…" at the end): its whole one is asked
     * of the server's last scan and shown once it comes. */
    askWhole(pid, shown) {
      if (!this.expanded.has(pid) || this.whole.has(pid) || !shown.endsWith("\u2026")) { return; }
      if (!this.search || !this.sample) { return; }
      this.whole.set(pid, null);
      const fetch = (url, init) => this.search.fetch(url, init);
      live().search.wholeCommand(this.search.prefix, this.sample.host, pid, fetch).then((text) => {
        if (text) { this.whole.set(pid, text); this.render(); }
      });
    }

    mark(tr, pid) {
      const open = this.expanded.has(pid);
      tr.classList.toggle("expanded", open);
      tr.setAttribute("aria-expanded", String(open));
    }

    /* Shows `sample`'s processes (the last one given when omitted), filtered and sorted. */
    render(sample, filter) {
      if (sample !== undefined) { this.sample = sample; }
      if (filter !== undefined) { this.filter = filter || ""; }
      if (!this.sample) { return; }
      const q = this.filter.trim();
      let result = null;
      if (q && this.search) {
        result = this.search.want({ host: this.sample.host, q: q, sort: this.sort });
      } else if (this.search) {
        this.search.stop();
      }
      const shown = shownRows(this.sample, this.filter, this.sort, result);
      const rows = shown.rows;
      if (this.line.textContent !== shown.line) { this.line.textContent = shown.line; }
      R().place(this.body, this.rows, rows, (row) => row.pid, (pid) => this.newRow(pid),
        (tr, row) => this.fill(tr, row), (pid) => this.whole.delete(pid));
      R().markSort(this.table, COLUMNS, this.sort);
      const filtered = this.filter.trim() !== "";
      this.empty.textContent = rows.length
        ? ""
        : filtered ? "No process matches “" + this.filter + "”." : "No processes reported.";
    }

    /* Forgets the sample and its rows (another host is shown next); sort and filter stay. */
    clear() {
      this.sample = null;
      this.rows.clear();
      this.expanded.clear();
      this.body.replaceChildren();
      this.empty.textContent = "";
    }

    fill(tr, row) {
      COLUMNS.forEach((col, i) => {
        const whole = col.key === "cmdline" && this.expanded.has(row.pid) && this.whole.get(row.pid);
        const text = cellText(col, whole || row[col.key]);
        const td = tr.cells[i];
        R().setText(td, text);
        if (col.key === "cmdline" && td.title !== text) { td.title = text; }
      });
      this.mark(tr, row.pid);
    }

    newRow(pid) {
      const tr = R().row(COLUMNS, "pid", pid);
      tr.tabIndex = 0;
      return tr;
    }
  }

  /* The table in the element `id` of the page, `existing` while that still shows it; null
   * while the page has no such element. */
  function attach(existing, id) {
    const container = document.getElementById(id);
    if (!container) { return null; }
    return existing && existing.container === container ? existing : new ProcessTable(container);
  }

  const table = {
    COLUMNS, ProcessTable, attach, processRows, comparator, nextSort, filterRows, tableRows,
    shownRows, cellText,
  };
  (root.monitorLive = root.monitorLive || {}).table = table;
  if (node) { module.exports = table; }
})(typeof window !== "undefined" ? window : globalThis);
