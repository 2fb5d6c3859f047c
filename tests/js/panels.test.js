// Cards, health panel, optional panels and the host picker's options (assets/live-panels.js,
// assets/live-graphs.js, assets/live-figures.js, assets/live-hosts.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const P = require("../../assets/live-panels.js");
const G = require("../../assets/live-graphs.js");
const Fig = require("../../assets/live-figures.js");
const H = require("../../assets/live-hosts.js");

const GiB = Math.pow(2, 30);

test("cards: binary units, sums of what is known, no swap", () => {
  const out = P.cards({
    seq: 42,
    ts: 0,
    cpu: { total: 12.34, per_core: [1, 2, 3, 4], freq_mhz: 2400 },
    memory: { percent: 50, used: 8 * GiB, total: 16 * GiB, swap_total: 0 },
    disks: { total: { read_bps: 1536, write_bps: null } },
    network: { total: {} },
    system: { uptime_s: 93784 },
  });
  assert.equal(out["card:cpu"], "12.3 %");
  assert.equal(out["detail:cpu"], "4 cores · 2.40 GHz");
  assert.equal(out["detail:memory"], "8.00 GiB of 16.0 GiB");
  assert.deepEqual([out["card:swap"], out["detail:swap"]], ["none", "no swap configured"]);
  assert.equal(out["card:disk"], "1.50 KiB/s"); // read only: the write rate is unknown
  assert.equal(out["detail:disk"], "R\u00a01.50\u00a0KiB/s · W\u00a0–", "wraps at the dot only");
  assert.equal(out["card:net"], "–"); // nothing known is not 0 B/s
  assert.equal(out["card:uptime"], "1d 2h 3m");
  assert.equal(out["card:load"], "–"); // no load section
  assert.equal(out.time, undefined, "no internal counter, no time: the toolbar says how old");
});

test("placeholders for every card and detail the page has", () => {
  const out = P.emptyCards(["figure:cpu", "card:cpu", "detail:cpu", "card:swap"]);
  assert.deepEqual(out, { "card:cpu": "–", "detail:cpu": "\u00a0", "card:swap": "–" });
});

test("the storage line names the error once and counts the buffered samples", () => {
  assert.deepEqual(P.storageLine({ storage_ok: true }), ["ok", "Storage OK", ""]);
  assert.deepEqual(P.storageLine({}), ["unknown", "Storage –", ""]);
  const down = P.storageLine({
    storage_ok: false,
    buffer_depth: 1234,
    storage_error: "OperationalError: (sqlite3.OperationalError) unable to open database file",
  });
  assert.deepEqual(down, [
    "down", "Storage down: OperationalError: unable to open database file", "1,234 buffered",
  ]);
  assert.equal(P.errorText("ValueError: (x.OtherError) kept"), "ValueError: (x.OtherError) kept");
  assert.equal(P.errorText(null), "unknown error");
});

test("health numbers warn past half an interval, and on any skip, drop or write error", () => {
  const items = P.healthItems({
    lag_ms: 250.04, collect_total_ms: 251, skipped_ticks: 0, dropped_live: 2,
    buffer_depth: 5, write_errors: 0, subscribers: 3,
  }, 0.5);
  assert.deepEqual(items, [
    ["250.0 ms", true], ["251.0 ms", true], [0, false], [2, true], [5, false], [0, false],
    [3, false],
  ]);
  const children = P.healthChildren({}, 0.5, ["a", "b", "c", "d", "e", "f", "g"]);
  assert.equal(children.length, 8);
  assert.deepEqual(children[1].props.children.map((span) => span.props.children), ["a", "–"]);
});

test("the health panel is sent again only when it changed", () => {
  const panels = new P.Panels({ outputs: [], healthLabels: ["a", "b", "c", "d", "e", "f", "g"] });
  const first = {};
  panels.show({ seq: 1, ts: 0, health: { storage_ok: true } }, 1, first);
  assert.ok(Array.isArray(first.health));
  const same = {};
  panels.show({ seq: 2, ts: 1, health: { storage_ok: true } }, 1, same);
  assert.equal("health" in same, false);
  panels.reset(); // another host: sent again
  const again = {};
  panels.show({ seq: 3, ts: 2, health: { storage_ok: true } }, 1, again);
  assert.ok("health" in again);
});

test("optional panels are the server's list, shown once their graph has a trace", () => {
  const sample = { ts: 0, cpu: { per_core: [1, 2] }, gpus: [{ index: 0, util_pct: 9 }] };
  const point = Fig.toPoint(sample);
  const structure = Fig.structureOf(point);
  assert.deepEqual(G.panelClasses(["temp", "gpu"], structure, Fig.hasTraces), {
    "panel:temp": "panel panel--hidden", // no sensors in the sample
    "panel:gpu": "panel",
  });
  assert.deepEqual(G.panelClasses(["gpu"], null, Fig.hasTraces), {
    "panel:gpu": "panel panel--hidden", // before the first sample
  });
  assert.deepEqual(G.panelClasses([], structure, Fig.hasTraces), {});
});

test("the host picker lists every host, marks silent ones, and keeps the followed one", () => {
  const hosts = [{ host: "edge-a" }, { host: "edge-b", reporting: false }];
  assert.deepEqual(H.pickerOptions(hosts, "web-1"), {
    list: [["edge-a", true], ["edge-b", false], ["web-1", null]],
    down: false,
  });
  assert.equal(H.pickerOptions(hosts, "edge-b").down, true);
  assert.equal(H.pickerOptions([], "web-1").list.length, 1);
});

test("the followed host is ?host= of the page URL", () => {
  assert.equal(H.urlHost("?host=edge-a"), "edge-a");
  assert.equal(H.urlHost("?host=a%20b&x=1"), "a b");
  assert.equal(H.urlHost("?host="), null);
  assert.equal(H.urlHost(""), null);
  assert.equal(H.withHost("http://h/monitor/?x=1#top", "edge-a"), "/monitor/?x=1&host=edge-a#top");
  assert.equal(H.withHost("http://h/?host=edge-a", "edge-a"), null);
  const list = new H.HostList(null);
  list.hosts = [{ host: "edge-a", interval_s: 1 }, { host: "edge-b", interval_s: 0 }];
  assert.equal(list.intervalOf("edge-a", 0.5), 1);
  assert.equal(list.intervalOf("edge-b", 0.5), 0.5);
  assert.equal(list.intervalOf("unknown", 0.5), 0.5);
});

test("the cards say how old they are, and dim once no sample came for 3 intervals", () => {
  const ts = Date.UTC(2026, 0, 2, 21, 53, 46) / 1000;
  const sample = { ts: ts };
  const clock = P.clock24(ts);
  assert.match(clock, /^\d\d:\d\d:46$/, "24-hour, like the axes: " + clock);
  assert.doesNotMatch(clock, /[AP]M/);
  assert.deepEqual(P.age(null, null, 5000, 1, 3, "connecting"),
    { stale: false, text: "", className: "cards" });
  assert.deepEqual(P.age(sample, 1000, 4000, 1, 3, "live"),
    { stale: false, text: "Last sample " + clock, className: "cards" });
  assert.deepEqual(P.age(sample, 1000, 4001, 1, 3, "live"),
    { stale: true, text: "Values as of " + clock + " · 3 s ago", className: "cards cards--stale" });
  assert.equal(P.age(sample, 1000, 1500, 1, 3, "reconnecting").stale, true, "socket down");
  assert.equal(P.age(sample, 1000, 1500, 1, 3, "polling").stale, false, "polled samples come");
  assert.equal(P.age(sample, 1000, 99000, 1, 3, "paused").stale, false, "paused on purpose");
  assert.match(P.age(sample, 0, 185000, 1, 3, "stale").text, / · 3 min ago$/);
});

test("rate graphs: an axis in binary units, the values scaled to it, appended points too", () => {
  const th = { fg: "#000", grid: "#ccc", card: "#fff", colors: ["#111", "#222"] };
  const sample = (ts, read) => ({ ts, disks: { total: { read_bps: read, write_bps: 512 } },
    cpu: { per_core: [] } });
  const points = [sample(1, 40 * 1024), sample(2, 20 * 1024), sample(3, null)].map(Fig.toPoint);
  const st = Fig.structureOf(points[0]);
  const figure = Fig.buildFigure("disk", points, st, th);
  assert.equal(figure.layout.yaxis.ticksuffix, " KiB/s");
  assert.equal(figure.layout.yaxis.tickformat, undefined); // not d3's decimal "~s" (kB)
  assert.deepEqual(figure.data[0].y, [40, 20, null]);
  assert.deepEqual(figure.data[1].y, [0.5, 0.5, 0.5]);
  assert.deepEqual(figure.data[0].customdata, ["40.0 KiB/s", "20.0 KiB/s", "–"]);
  const [update] = Fig.extension("disk", [Fig.toPoint(sample(4, 3 * 1024 * 1024))], st);
  assert.deepEqual(update.y[0], [3072]); // same axis until the next whole figure
  assert.deepEqual(update.customdata[0], ["3.00 MiB/s"]);
  const slow = Fig.buildFigure("net", [Fig.toPoint({ ts: 1, network: { total: { rx_bps: 300 } },
    cpu: { per_core: [] } })], st, th);
  assert.equal(slow.layout.yaxis.ticksuffix, " B/s");
});
