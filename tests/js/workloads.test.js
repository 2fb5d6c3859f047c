// The containers and services table (assets/live-workloads.js), the table parts it shares with
// the process table (live-rows.js), and the pressure card and graph (live-panels.js,
// live-figures.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const W = require("../../assets/live-workloads.js");
const R = require("../../assets/live-rows.js");
const P = require("../../assets/live-panels.js");
const F = require("../../assets/live-figures.js");

const MIB = 2 ** 20;
const KINDS = { docker: "Docker container", service: "systemd service", pod: "Kubernetes pod",
  slice: "systemd slice" };
const ROWS = [
  { key: "docker/web", name: "web", kind: "docker", id: "3f2a9c1e0b7d", cpu_pct: 50,
    mem: 118 * MIB, mem_limit: 512 * MIB, mem_pct: 23, tasks: 12 },
  { key: "service/postgresql.service", name: "postgresql.service", kind: "service",
    id: "postgresql.service", cpu_pct: null, mem: 900 * MIB, mem_limit: null, tasks: 9 },
  { key: "pod/api-7d9f", name: "api-7d9f", kind: "pod", id: "api-7d9f", cpu_pct: 50,
    mem: 300 * MIB, mem_limit: 1024 * MIB, tasks: 31 },
  { key: "slice/user.slice", name: "user.slice", kind: "slice", id: "user.slice", cpu_pct: 7,
    mem: 2048 * MIB, tasks: 140 },
];
const sample = (rows, total) => ({ cgroups: { hierarchy: "v2", total: total, workloads: rows } });
const keys = (list) => list.map((row) => row.key);
const rowsOf = (trends) => W.workloadRows(sample(ROWS.concat([null, { name: "no key" }]), 37),
  KINDS, trends);
const sorted = (sort) => keys(rowsOf().sort(W.comparator(sort)));

test("a sample's workloads, with their kind in words; none without the section", () => {
  const rows = rowsOf();
  assert.deepEqual(keys(rows), keys(ROWS)); // rows without a key are left out
  assert.deepEqual(rows.map((r) => r.kindText),
    ["Docker container", "systemd service", "Kubernetes pod", "systemd slice"]);
  assert.equal(W.kindText("lxc", KINDS), "lxc"); // a kind without words says itself
  assert.equal(W.kindText(null, KINDS), "–");
  assert.deepEqual(W.workloadRows({}, KINDS), []);
  assert.deepEqual(W.workloadRows(null, KINDS), []);
  assert.equal(ROWS[0].kindText, undefined, "the sample's rows are not changed");
});

test("rows sort by any column, highest first for numbers, ties and gaps in a fixed order", () => {
  assert.deepEqual(sorted({ key: "cpu_pct", dir: -1 }),
    ["docker/web", "pod/api-7d9f", "slice/user.slice", "service/postgresql.service"]);
  assert.deepEqual(sorted({ key: "mem", dir: -1 }),
    ["slice/user.slice", "service/postgresql.service", "pod/api-7d9f", "docker/web"]);
  assert.deepEqual(sorted({ key: "mem", dir: 1 }).at(-1), "slice/user.slice");
  assert.deepEqual(sorted({ key: "name", dir: 1 }),
    ["pod/api-7d9f", "service/postgresql.service", "slice/user.slice", "docker/web"]);
  // the kind sorts by its words: Docker, Kubernetes, systemd service, systemd slice
  assert.deepEqual(sorted({ key: "kind", dir: 1 }),
    ["docker/web", "pod/api-7d9f", "service/postgresql.service", "slice/user.slice"]);
  assert.deepEqual(sorted({ key: "no such column", dir: -1 }), sorted({ key: "cpu_pct", dir: -1 }));
});

test("a header click reverses its column, or starts another in its natural order", () => {
  assert.deepEqual(W.nextSort({ key: "cpu_pct", dir: -1 }, "cpu_pct"), { key: "cpu_pct", dir: 1 });
  assert.deepEqual(W.nextSort({ key: "cpu_pct", dir: -1 }, "name"), { key: "name", dir: 1 });
  assert.deepEqual(W.nextSort({ key: "name", dir: 1 }, "mem"), { key: "mem", dir: -1 });
  assert.deepEqual(W.nextSort({ key: "name", dir: 1 }, "trend"), { key: "trend", dir: -1 });
});

test("the filter matches name, kind (its key or words) and id, in any case", () => {
  const filtered = (text) => keys(W.filterRows(rowsOf(), text));
  assert.deepEqual(filtered("post"), ["service/postgresql.service"]);
  assert.deepEqual(filtered(" DOCKER "), ["docker/web"]);
  assert.deepEqual(filtered("kubernetes"), ["pod/api-7d9f"]);
  assert.deepEqual(filtered("3f2a9c"), ["docker/web"]); // the id
  assert.deepEqual(filtered("systemd").length, 2);
  assert.deepEqual(filtered(""), keys(ROWS));
  assert.deepEqual(filtered("no such workload"), []);
});

test("memory says the limit when there is one, in binary units", () => {
  assert.equal(W.memoryText(118 * MIB, 512 * MIB), "118 MiB / 512 MiB");
  assert.equal(W.memoryText(900 * MIB, null), "900 MiB");
  assert.equal(W.memoryText(2048 * MIB), "2.00 GiB");
  assert.equal(W.memoryText(null, 512 * MIB), "–");
  const col = (key) => W.COLUMNS.find((c) => c.key === key);
  assert.equal(col("mem").text(rowsOf()[0]), "118 MiB / 512 MiB");
  assert.equal(R.cellText(col("io_read_bps"), 2.5 * MIB), "2.50 MiB/s");
  assert.equal(R.cellText(col("cpu_pct"), 12.345), "12.3");
  assert.equal(R.cellText(col("oom_kills"), 0), "0");
  assert.equal(R.cellText(col("throttled_pct"), null), "–");
  assert.deepEqual(W.COLUMNS.map((c) => c.label), ["Name", "Kind", "CPU %", "CPU, 1 min",
    "Memory", "Mem % of limit", "Throttled %", "Disk read", "Disk write", "Tasks", "OOM kills",
    "Restarts"]);
});

test("the line says how many of the host's workloads the table shows, and what matches", () => {
  assert.equal(W.summary(sample(ROWS, 37), 4, ""), "4 of 37 workloads (top by CPU and memory)");
  assert.equal(W.summary(sample(ROWS, 4), 4, ""), "4 workloads");
  assert.equal(W.summary(sample(ROWS.slice(0, 1)), 1, " "), "1 workload"); // no total: the rows
  assert.equal(W.summary(sample(ROWS, 37), 1, "post"), "1 of 4 matches “post” · 37 workloads on the host");
  assert.equal(W.summary(sample(ROWS, 37), 0, "x"), "0 of 4 match “x” · 37 workloads on the host");
});

test("the sparkline: newest at the right edge, 0 at the bottom, a break where one is missing", () => {
  const step = 80 / (W.TREND_POINTS - 1);
  assert.equal(W.sparkPath([], 80, 20), "");
  assert.equal(W.sparkPath([null, null], 80, 20), "");
  assert.equal(W.sparkPath([0, 50, 100], 80, 20),
    "M" + (80 - 2 * step).toFixed(1) + ",20.0L" + (80 - step).toFixed(1) + ",10.0L80.0,0.0");
  // above 100 % of a core: the highest value is the top; below 0 is drawn at 0
  assert.equal(W.sparkPath([200, -5], 80, 20), "M" + (80 - step).toFixed(1) + ",0.0L80.0,20.0");
  const broken = W.sparkPath([10, null, 10, 10], 80, 20);
  assert.equal((broken.match(/M/g) || []).length, 2);
  assert.equal((broken.match(/L/g) || []).length, 1);
  const full = W.sparkPath(new Array(W.TREND_POINTS).fill(25), 80, 20);
  assert.ok(full.startsWith("M0.0,15.0L"), full);
});

test("trends keep each workload's last minute by key, with breaks, and forget gone ones", () => {
  const trends = new W.Trends();
  const point = (cpu) => ({ workloads: cpu });
  trends.record([point({ "docker/web": 5 }), point({ "docker/web": 7, "pod/api": 1 })]);
  trends.record([{ gap: true }, point({ "pod/api": 3 })]);
  assert.deepEqual(trends.get("docker/web"), [5, 7, null, null]);
  assert.deepEqual(trends.get("pod/api"), [1, null, 3]);
  trends.record(new Array(W.TREND_POINTS).fill(point({ "pod/api": 2 })));
  assert.equal(trends.has("docker/web"), false); // a whole minute without it
  assert.equal(trends.get("pod/api").length, W.TREND_POINTS);
  const rows = W.workloadRows(sample([{ key: "pod/api", cpu_pct: 2 }, { key: "x" }]), KINDS, trends);
  assert.deepEqual(rows.map((r) => r.trend), [2, null]); // the sparkline column sorts by the mean
});

test("the points the page keeps carry each workload's CPU and the pressure lines", () => {
  const s = { ts: 1, pressure: { cpu: { some_pct: 3, some_avg10: 3.2 }, memory: { some_pct: 0 },
    io: {} }, cgroups: { workloads: [{ key: "docker/web", cpu_pct: 50 }, { cpu_pct: 1 }] } };
  const p = F.toPoint(s);
  assert.deepEqual(p.workloads, { "docker/web": 50 });
  assert.deepEqual(p.pressure, [3, 0, null]);
  const bare = F.toPoint({ ts: 1 });
  assert.deepEqual([bare.pressure, bare.workloads], [null, {}]);
  assert.equal(F.hasTraces("pressure", F.structureOf(p)), true);
  assert.equal(F.hasTraces("pressure", F.structureOf(bare)), false);
  assert.equal(F.sameStructure(F.structureOf(p), F.structureOf(bare)), false);
  const th = { fg: "#000", grid: "#ccc", card: "#fff", colors: ["#111", "#222", "#333"] };
  const figure = F.buildFigure("pressure", [p, p], F.structureOf(p), th);
  assert.deepEqual(figure.data.map((t) => t.name), ["CPU", "memory", "I/O"]);
  assert.equal(figure.layout.yaxis.ticksuffix, " %");
  const [update, indices] = F.extension("pressure", [p], F.structureOf(p));
  assert.deepEqual([update.y, indices], [[[3], [0], [null]], [0, 1, 2]]);
});

test("the pressure card shows three shares, and parts of a missing section stay hidden", () => {
  const text = P.pressureText({ cpu: { some_avg10: 3.21 }, memory: { some_avg10: 0 },
    io: { some_avg10: 1.5 } }).replace(/\u00a0/g, " ");
  assert.equal(text, "CPU 3.2 % · Mem 0 % · I/O 1.5 %");
  assert.equal(P.pressureText({ cpu: {} }).replace(/\u00a0/g, " "), "CPU – · Mem – · I/O –");
  assert.equal(P.pressureText(undefined), "–");
  const parts = [["pressure", "shown:card-pressure", "card"], ["cgroups", "shown:panel-w", "panel"]];
  assert.deepEqual(P.sectionClasses(parts, { pressure: {} }),
    { "shown:card-pressure": "card", "shown:panel-w": "panel panel--hidden" });
  assert.deepEqual(P.sectionClasses(parts, null),
    { "shown:card-pressure": "card panel--hidden", "shown:panel-w": "panel panel--hidden" });
  const out = {};
  new P.Panels({ outputs: [], healthLabels: [], sectionParts: parts }).show({ ts: 1 }, 1, out);
  assert.equal(out["card:pressure"], "–");
  assert.equal(out["shown:panel-w"], "panel panel--hidden");
});

test("rows are placed in order, one element per key, kept across calls", () => {
  const body = { children: [],
    insertBefore(el, before) {
      const at = this.children.indexOf(el);
      if (at >= 0) { this.children.splice(at, 1); }
      const i = before ? this.children.indexOf(before) : -1;
      this.children.splice(i < 0 ? this.children.length : i, 0, el);
      el.remove = () => this.children.splice(this.children.indexOf(el), 1);
    } };
  const elements = new Map();
  const gone = [];
  const place = (list) => R.place(body, elements, list, (r) => r.key, (key) => ({ key: key }),
    (el, r) => { el.text = r.name; }, (key) => gone.push(key));
  place([{ key: "a", name: "A" }, { key: "b", name: "B" }]);
  const a = elements.get("a");
  place([{ key: "c", name: "C" }, { key: "a", name: "A2" }]);
  assert.deepEqual(body.children.map((el) => el.key), ["c", "a"]);
  assert.equal(body.children[1], a, "the same element for the same key");
  assert.equal(a.text, "A2");
  assert.deepEqual(gone, ["b"]);
  assert.deepEqual([...elements.keys()].sort(), ["a", "c"]);
});
