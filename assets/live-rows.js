/* What the live page's tables share (live-table.js: processes, live-workloads.js: containers
 * and services): monitorLive.rows.
 *
 * A table is described by its columns ({key, label, num?, fmt?}); it sorts by any column
 * (a click on its header; again to reverse; aria-sort says which), filters by text over some
 * fields, and keeps one row element per row key, in place across ticks, so a row's state (and
 * what a test marked on it) survives. */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  if (node && !root.monitorFormat) { require("./dashboard.js"); }
  const fmt = () => root.monitorFormat;

  /* Orders rows by `sort` ({key, dir}: 1 ascending, -1 descending) over `columns` (an unknown
   * key sorts by `fallback`, a column), then by `tie(a, b)`: a stable order. A missing number
   * counts as the lowest (last when descending), missing text as "". */
  function comparator(columns, sort, fallback, tie) {
    const col = columns.find((c) => c.key === sort.key) || fallback;
    const isNumber = fmt().isNumber;
    const value = col.value || ((row) => row[col.key]);
    return (a, b) => {
      const x = value(a);
      const y = value(b);
      const c = col.num
        ? (isNumber(x) ? x : -Infinity) - (isNumber(y) ? y : -Infinity)
        : String(x || "").localeCompare(String(y || ""));
      return c * sort.dir || tie(a, b);
    };
  }

  /* The sort after a click on column `key`'s header: the same column reverses; another one
   * starts highest first for numbers, A to Z for text. */
  function nextSort(columns, sort, key) {
    if (sort.key === key) { return { key: key, dir: -sort.dir }; }
    const col = columns.find((c) => c.key === key);
    return { key: key, dir: col && col.num ? -1 : 1 };
  }

  /* Rows whose `fields` (keys, or functions of a row) contain `filter` (trimmed, any case);
   * all rows (a copy) when it is empty. */
  function filterRows(rows, filter, fields) {
    const needle = String(filter || "").trim().toLowerCase();
    if (!needle) { return rows.slice(); }
    const read = fields.map((f) => (typeof f === "function" ? f : (row) => row[f]));
    return rows.filter((row) =>
      read.some((get) => String(get(row) || "").toLowerCase().includes(needle)));
  }

  /* A column's text of `value`: its `fmt` of it, a dash when missing. */
  function cellText(col, value) {
    if (value === null || value === undefined) { return "–"; }
    return col.fmt ? col.fmt(value) : String(value);
  }

  function cellClass(col) {
    return "col-" + col.key + (col.num ? " num" : "");
  }

  /* A <table> whose header has a sort button per column. */
  function table(columns) {
    const el = document.createElement("table");
    const head = el.createTHead().insertRow();
    for (const col of columns) {
      const th = document.createElement("th");
      th.scope = "col";
      th.className = cellClass(col);
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.key = col.key;
      button.textContent = col.label;
      th.appendChild(button);
      head.appendChild(th);
    }
    return el;
  }

  /* A row of one empty cell per column, its key in data-`attr`. */
  function row(columns, attr, key) {
    const tr = document.createElement("tr");
    tr.dataset[attr] = String(key);
    for (const col of columns) { tr.insertCell().className = cellClass(col); }
    return tr;
  }

  /* The header cells' aria-sort for `sort`. */
  function markSort(tableEl, columns, sort) {
    tableEl.querySelectorAll("th").forEach((th, i) => {
      const sorted = columns[i].key === sort.key;
      const order = sort.dir > 0 ? "ascending" : "descending";
      th.setAttribute("aria-sort", sorted ? order : "none");
    });
  }

  /* Sets a cell's text only when it differs (no needless layout). */
  function setText(td, text) {
    if (td.textContent !== text) { td.textContent = text; }
  }

  /* `rows` into `body`, in order: one element per `keyOf(row)`, kept in `elements` (key ->
   * tr) across calls; `create(key)` makes a missing one, `fill(tr, row)` fills it; elements
   * of keys no longer shown are removed (`gone(key)` told). */
  function place(body, elements, rows, keyOf, create, fill, gone) {
    const keep = new Set(rows.map(keyOf));
    for (const [key, tr] of elements) {
      if (keep.has(key)) { continue; }
      tr.remove();
      elements.delete(key);
      if (gone) { gone(key); }
    }
    rows.forEach((r, index) => {
      const key = keyOf(r);
      let tr = elements.get(key);
      if (!tr) {
        tr = create(key);
        elements.set(key, tr);
      }
      fill(tr, r);
      if (body.children[index] !== tr) { body.insertBefore(tr, body.children[index] || null); }
    });
  }

  /* The container's parts: a status line, then the table and an empty-text line in their own
   * scrolling box (a wide table scrolls there, never the page). */
  function frame(container, tableEl, prefix) {
    const line = document.createElement("p");
    line.className = prefix + "-line";
    line.setAttribute("role", "status");
    const empty = document.createElement("p");
    empty.className = prefix + "-empty";
    const scroller = document.createElement("div");
    scroller.className = prefix + "-scroll";
    scroller.replaceChildren(tableEl, empty);
    container.replaceChildren(line, scroller);
    return { line: line, empty: empty, scroller: scroller };
  }

  const rows = {
    comparator, nextSort, filterRows, cellText, cellClass, table, row, markSort, setText, place,
    frame,
  };
  (root.monitorLive = root.monitorLive || {}).rows = rows;
  if (node) { module.exports = rows; }
})(typeof window !== "undefined" ? window : globalThis);
