/* The live page's "Containers and services" table: the sample's workloads (its "cgroups"
 * section: the top ones by CPU and by memory), sortable by any column, filtered in the browser
 * by name, kind or id, one row element per workload key that keeps its place across ticks
 * (live-rows.js does the sorting, filtering and row keeping for both tables).
 *
 * Each row has a sparkline of the workload's CPU % over its last TREND_POINTS samples, drawn
 * from the points the page already receives (monitorLive.figures.toPoint keeps each sample's
 * CPU % by workload key), so it survives reordering and starts full from the backlog. The
 * panel is hidden while the samples have no such section (live-panels.js). */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  if (node && !root.monitorFormat) { require("./dashboard.js"); }
  if (node && !(root.monitorLive && root.monitorLive.rows)) { require("./live-rows.js"); }
  const fmt = () => root.monitorFormat;
  const R = () => root.monitorLive.rows;
  const SVG = "http://www.w3.org/2000/svg";
  const TREND_POINTS = 60;
  const SPARK = { width: 80, height: 20 };

  const pct = (v) => fmt().number(v, 1);
  const count = (v) => String(v);

  /* "118 MiB / 512 MiB" with a limit, else "900 MiB"; "–" when unknown. */
  function memoryText(mem, limit) {
    const F = fmt();
    if (!F.isNumber(mem)) { return "–"; }
    return F.isNumber(limit) ? F.bytes(mem) + " / " + F.bytes(limit) : F.bytes(mem);
  }

  const COLUMNS = [
    { key: "name", label: "Name", text: (row) => row.name || row.key },
    { key: "kind", label: "Kind", value: (row) => row.kindText, text: (row) => row.kindText },
    { key: "cpu_pct", label: "CPU %", num: true, fmt: pct },
    { key: "trend", label: "CPU, 1 min", num: true, spark: true },
    { key: "mem", label: "Memory", num: true, text: (r) => memoryText(r.mem, r.mem_limit) },
    { key: "mem_pct", label: "Mem % of limit", num: true, fmt: pct },
    { key: "throttled_pct", label: "Throttled %", num: true, fmt: pct },
    { key: "io_read_bps", label: "Disk read", num: true, fmt: (v) => fmt().rate(v) },
    { key: "io_write_bps", label: "Disk write", num: true, fmt: (v) => fmt().rate(v) },
    { key: "tasks", label: "Tasks", num: true, fmt: count },
    { key: "oom_kills", label: "OOM kills", num: true, fmt: count },
    { key: "restarts", label: "Restarts", num: true, fmt: count },
  ];
  const SEARCHED = ["name", "kind", "kindText", "id"];
  const BY_CPU = COLUMNS[2];

  /* A kind as people say it ("Docker container"): `kinds` (the page's config), else the kind. */
  function kindText(kind, kinds) {
    return (kinds && kinds[kind]) || kind || "–";
  }

  /* The mean of the numbers among `values`; null when none. */
  function mean(values) {
    const isNumber = fmt().isNumber;
    const known = (values || []).filter(isNumber);
    return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
  }

  /* The sample's workloads, each with its kind's words and its CPU trend's mean (what the
   * sparkline column sorts by); rows without a key are left out. */
  function workloadRows(sample, kinds, trends) {
    const list = (sample && sample.cgroups && sample.cgroups.workloads) || [];
    return list.filter((w) => w && w.key).map((w) => Object.assign({}, w, {
      kindText: kindText(w.kind, kinds),
      trend: mean(trends && trends.get(w.key)),
    }));
  }

  function comparator(sort) {
    return R().comparator(COLUMNS, sort, BY_CPU, (a, b) => String(a.key).localeCompare(b.key));
  }

  const nextSort = (sort, key) => R().nextSort(COLUMNS, sort, key);
  const filterRows = (rows, filter) => R().filterRows(rows, filter, SEARCHED);

  /* The line under the title: "4 of 37 workloads (top by CPU and memory)"; while filtering,
   * how many of those match. */
  function summary(sample, shown, filter) {
    const section = (sample && sample.cgroups) || {};
    const rows = (section.workloads || []).length;
    const total = fmt().isNumber(section.total) ? section.total : rows;
    const all = total === 1 ? "1 workload" : total + " workloads";
    const q = String(filter || "").trim();
    if (q) {
      return shown + " of " + rows + (shown === 1 ? " matches" : " match") + " “" + q + "” · "
        + all + " on the host";
    }
    return rows < total ? rows + " of " + all + " (top by CPU and memory)" : all;
  }

  /* An SVG path of `values` (oldest first, null: no sample) in a `width` × `height` box:
   * the newest at the right edge, TREND_POINTS across, 0 at the bottom and the larger of 100
   * and the highest value at the top; a missing value breaks the line. "" when none. */
  function sparkPath(values, width, height) {
    const isNumber = fmt().isNumber;
    const top = Math.max(100, ...values.filter(isNumber));
    const step = width / (TREND_POINTS - 1);
    let d = "";
    let drawing = false;
    values.forEach((v, i) => {
      if (!isNumber(v)) {
        drawing = false;
        return;
      }
      const x = width - (values.length - 1 - i) * step;
      const y = height - (Math.min(Math.max(v, 0), top) / top) * height;
      d += (drawing ? "L" : "M") + x.toFixed(1) + "," + y.toFixed(1);
      drawing = true;
    });
    return d;
  }

  /* CPU % by workload key over the last TREND_POINTS points (monitorLive.figures.toPoint's
   * `workloads`); a workload missing from a point (or a gap point) gets a break there. */
  class Trends extends Map {
    record(points) {
      for (const point of points) {
        const cpu = point.workloads || {};
        for (const key of Object.keys(cpu)) { if (!this.has(key)) { this.set(key, []); } }
        for (const [key, values] of this) {
          values.push(key in cpu ? cpu[key] : null);
          if (values.length > TREND_POINTS) { values.splice(0, values.length - TREND_POINTS); }
          if (!values.some((v) => v !== null)) { this.delete(key); } // gone for a whole minute
        }
      }
    }
  }

  class WorkloadTable {
    /* `options`: {kinds (kind -> words), filter (the filter input, or null)}. */
    constructor(container, options) {
      const o = options || {};
      this.container = container;
      this.kinds = o.kinds || {};
      this.sort = { key: BY_CPU.key, dir: -1 };
      this.filter = o.filter ? o.filter.value || "" : "";
      this.sample = null;
      this.trends = new Trends();
      this.rows = new Map(); // workload key -> tr
      this.table = R().table(COLUMNS);
      this.body = this.table.createTBody();
      const parts = R().frame(container, this.table, "workload");
      this.line = parts.line;
      this.empty = parts.empty;
      container.addEventListener("click", (event) => {
        const button = event.target.closest("th button");
        if (!button) { return; }
        this.sort = nextSort(this.sort, button.dataset.key);
        this.render();
      });
      if (o.filter) {
        o.filter.addEventListener("input", () => this.render(undefined, o.filter.value));
      }
    }

    /* New points (oldest first) into the sparklines. */
    record(points) {
      this.trends.record(points);
    }

    /* Shows `sample`'s workloads (the last one given when omitted), filtered and sorted. */
    render(sample, filter) {
      if (sample !== undefined) { this.sample = sample; }
      if (filter !== undefined) { this.filter = filter || ""; }
      if (!this.sample) { return; }
      const all = workloadRows(this.sample, this.kinds, this.trends);
      const rows = filterRows(all, this.filter).sort(comparator(this.sort));
      R().setText(this.line, summary(this.sample, rows.length, this.filter));
      R().place(this.body, this.rows, rows, (row) => row.key, (key) => this.newRow(key),
        (tr, row) => this.fill(tr, row));
      R().markSort(this.table, COLUMNS, this.sort);
      const q = this.filter.trim();
      R().setText(this.empty, rows.length ? ""
        : q ? "No workload matches “" + q + "”." : "No workloads reported.");
    }

    fill(tr, row) {
      COLUMNS.forEach((col, i) => {
        const td = tr.cells[i];
        if (col.spark) {
          const d = sparkPath(this.trends.get(row.key) || [], SPARK.width, SPARK.height);
          const path = td.querySelector("path");
          if (path.getAttribute("d") !== d) { path.setAttribute("d", d); }
          return;
        }
        R().setText(td, col.text ? col.text(row) : R().cellText(col, row[col.key]));
      });
      if (tr.cells[0].title !== row.key) { tr.cells[0].title = row.key; } // "docker/web"
    }

    newRow(key) {
      const tr = R().row(COLUMNS, "key", key);
      const svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("class", "spark");
      svg.setAttribute("viewBox", "0 0 " + SPARK.width + " " + SPARK.height);
      svg.setAttribute("preserveAspectRatio", "none");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "CPU % over the last minute");
      svg.appendChild(document.createElementNS(SVG, "path"));
      tr.cells[COLUMNS.findIndex((c) => c.spark)].appendChild(svg);
      return tr;
    }

    /* Forgets the sample, its rows and trends (another host is shown next); sort and filter
     * stay. */
    clear() {
      this.sample = null;
      this.rows.clear();
      this.trends.clear();
      this.body.replaceChildren();
      this.line.textContent = "";
      this.empty.textContent = "";
    }
  }

  /* The table in the element cfg.ids.workloadTable of the page, `existing` while that still
   * shows it; null while the page has no such element. */
  function attach(existing, cfg) {
    const container = document.getElementById(cfg.ids.workloadTable);
    if (!container) { return null; }
    if (existing && existing.container === container) { return existing; }
    const filter = document.getElementById(cfg.ids.workloadFilter);
    return new WorkloadTable(container, { kinds: cfg.workloadKinds, filter: filter });
  }

  const workloads = {
    COLUMNS, TREND_POINTS, memoryText, kindText, mean, workloadRows, comparator, nextSort,
    filterRows, summary, sparkPath, Trends, WorkloadTable, attach,
  };
  (root.monitorLive = root.monitorLive || {}).workloads = workloads;
  if (node) { module.exports = workloads; }
})(typeof window !== "undefined" ? window : globalThis);
