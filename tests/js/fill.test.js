// The live windows' older part from the database and its seam with the in-memory buffer
// (assets/live-fill.js): what is asked for, how the answer becomes points, and the stitching:
// no point twice, no hole, a break only where samples are missing.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const Fill = require("../../assets/live-fill.js");
const S = require("../../assets/live-samples.js");
const F = require("../../assets/live-figures.js");

const live = (ts) => Object.assign(F.toPoint({ ts: ts, cpu: { total: ts % 100 } }), {});
const stored = (ts, step) => ({ ts: ts, step: step, stored: true, cpu: [1, 2, 3, 4] });
const range = (a, b, step) => {
  const out = [];
  for (let t = a; t < b - 1e-9; t += step) { out.push(Math.round(t * 1000) / 1000); }
  return out;
};
const shape = (points) => points.map((p) => (p.gap ? "gap" : (p.stored ? "db:" : "") + p.ts));

test("the database is asked only for what the window needs before the buffer", () => {
  const buffer = range(1000, 1100, 1).map(live);
  assert.equal(Fill.wanted(60, 1099, buffer, 1), null, "the buffer covers 60 s");
  assert.equal(Fill.wanted(100.5, 1099, buffer, 1), null, "within 1.5 intervals");
  assert.deepEqual(Fill.wanted(3600, 1099, buffer, 1), { from: -2501, to: 1000 });
  const gapFirst = [S.gapPoint(F.toPoint, 990, 1000, 1)].concat(buffer);
  assert.deepEqual(Fill.wanted(3600, 1099, gapFirst, 1).to, 1000, "from its first sample");
  assert.equal(Fill.wanted(3600, 1099, [], 1), null);
});

test("the request names host, range (end excluded), bounded points and each series", () => {
  const url = Fill.historyUrl("/mon/", "web 1", { from: 100.25, to: 200 }, ["cpu.total", "a,b"]);
  assert.equal(url, "/mon/api/v1/history?host=web%201&from=100.250&to=199.999&points=1000"
    + "&metrics=cpu.total&metrics=a%2Cb");
  const st = { cores: 2, temps: ["coretemp/Core 0"], gpus: ["GPU 0 A100"] };
  assert.deepEqual(Fill.seriesNames(st).slice(-4), [
    "cpu.per_core[0]", "cpu.per_core[1]", "sensors.temperatures[coretemp/Core 0].current",
    "gpus[0].util_pct",
  ]);
});

test("the history answer becomes points of the live graphs' shape, at the means", () => {
  const st = { cores: 2, temps: ["t"], gpus: ["GPU 0"] };
  const view = {
    bucket_s: 5,
    ts: [1000000, 1005000],
    series: {
      "cpu.total": { mean: [10, null], min: [1, null], max: [20, null] },
      "cpu.per_core[1]": { mean: [3, 4] },
      "sensors.temperatures[t].current": { mean: [40, 41] },
      "gpus[0].util_pct": { mean: [7, 8] },
    },
  };
  const points = Fill.toPoints(view, st, 1);
  assert.deepEqual(points.map((p) => [p.ts, p.step]), [[1000, 5], [1005, 5]]);
  assert.deepEqual(points[0].cpu, [10, null, null, null]);
  assert.deepEqual(points[1].cpu, [null, null, null, null]);
  assert.deepEqual(points[0].cores, [null, 3]);
  assert.deepEqual([points[0].temps, points[1].gpus], [{ t: 40 }, [8]]);
  assert.equal(F.structureOf(points[0]).cores, 2);
  assert.deepEqual(Fill.toPoints({}, st, 1), []);
  assert.equal(Fill.toPoints({ ts: [1000], series: {} }, st, 2)[0].step, 2, "raw: the interval");
});

test("raw stored samples and the buffer meet with no point twice and none missing", () => {
  const older = range(900, 1005, 1).map((t) => stored(t, 1)); // overlaps the buffer's first 5
  const buffer = range(1000, 1010, 1).map(live);
  const points = Fill.stitch(older, buffer, 1);
  const ts = points.map((p) => p.ts);
  assert.deepEqual(ts, range(900, 1010, 1), "every second once, in order");
  assert.equal(points.filter((p) => p.gap).length, 0);
  assert.equal(points.findIndex((p) => !p.stored), 100, "the buffer from its first sample on");
});

test("buckets meet the buffer within one bucket: no break; further apart: one break", () => {
  const buckets = range(0, 1000, 5).map((t) => stored(t, 5)); // the last one holds 995..999
  const joined = Fill.stitch(buckets, range(1000, 1003, 1).map(live), 1);
  assert.equal(joined.filter((p) => p.gap).length, 0);
  assert.deepEqual(shape(joined.slice(-4)), ["db:995", "1000", "1001", "1002"]);
  const late = Fill.stitch(buckets, range(1010, 1012, 1).map(live), 1); // a restart: 10 s
  assert.deepEqual(shape(late.slice(-4)), ["db:995", "gap", "1010", "1011"]);
  assert.equal(late.filter((p) => p.gap).length, 1);
});

test("a hole in the stored part is a break; the buffer's own breaks are kept", () => {
  const older = [0, 1, 2, 30, 31].map((t) => stored(t, 1));
  const log = new S.SampleLog("h", 1, [5], F.toPoint);
  log.receive([32, 33, 50].map((ts) => JSON.stringify({ ts: ts })));
  const points = Fill.stitch(older, log.take(), 1);
  assert.deepEqual(shape(points),
    ["db:0", "db:1", "db:2", "gap", "db:30", "db:31", "32", "33", "gap", "50"]);
  assert.equal(points[3].ts, 3, "the break where the next sample was due");
});

test("stitching drops a leading break of the buffer and takes all of older without one", () => {
  const older = [1, 2].map((t) => stored(t, 1));
  const buffer = [S.gapPoint(F.toPoint, 0, 3, 1), live(3), live(4)];
  assert.deepEqual(shape(Fill.stitch(older, buffer, 1)), ["db:1", "db:2", "3", "4"]);
  assert.deepEqual(shape(Fill.stitch(older, [], 1)), ["db:1", "db:2"]);
  assert.deepEqual(shape(Fill.stitch([], buffer.slice(1), 1)), ["3", "4"]);
});

// The graphs' side of it (assets/live-graphs.js): what they ask for, what they keep.
const G = require("../../assets/live-graphs.js");

function graphs(windowS, limit) {
  const view = { host: "h", windowS: windowS, interval: 1, limit: limit, active: true };
  const g = new G.Graphs({ ids: { graphs: {} }, optionalPanels: [] }, () => view);
  g.structure = { cores: 0, temps: [], gpus: [] };
  return { g: g, view: view };
}

test("the graphs ask once for the part before the buffer, again for a wider window", () => {
  const { g, view } = graphs(3600, 100);
  g.history = range(9000, 9010, 1).map(live);
  assert.deepEqual(g.fillWanted(), { from: 9009 - 3600, to: 9000 });
  g.setOlder("h", g.fillWanted(), range(0, 9000, 5).map((t) => stored(t, 5)));
  assert.equal(g.fillWanted(), null, "covered");
  assert.equal(g.redrawAll, true, "every figure is sent again");
  const points = g.windowPoints();
  assert.equal(points[0].ts, 9009 - 3600 + 1, "the window's span, not a count of points");
  assert.equal(points.filter((p) => p.gap).length, 0);
  view.windowS = 6 * 3600;
  assert.deepEqual(g.fillWanted(), { from: 9009 - 6 * 3600, to: 9000 });
  g.setOlder("other", { from: 0, to: 9000 }, []);
  assert.notEqual(g.fillWanted(), null, "another host's answer is not taken");
});

test("points the buffer drops stay in the older part while the window reaches them", () => {
  const { g } = graphs(3600, 10);
  g.history = range(9000, 9010, 1).map(live);
  g.setOlder("h", g.fillWanted(), range(0, 9000, 1).map((t) => stored(t, 1)));
  g.history.push(...range(9010, 9015, 1).map(live));
  g.trim(10);
  assert.deepEqual(g.history.map((p) => p.ts), range(9005, 9015, 1));
  const ts = g.windowPoints().map((p) => p.ts);
  assert.deepEqual(ts, range(9014 - 3600, 9015, 1), "nothing lost, nothing twice");
  // an answer that comes after more drops keeps them
  g.setOlder("h", { from: 0, to: 9000 }, range(0, 9000, 1).map((t) => stored(t, 1)));
  assert.deepEqual(g.windowPoints().map((p) => p.ts), ts);
});

test("a long break: the buffer before it joins the older part, which is read again", () => {
  const { g } = graphs(300, 100);
  const log = new S.SampleLog("h", 1, [5], F.toPoint);
  log.receive(range(1000, 1010, 1).map((t) => JSON.stringify({ ts: t })));
  g.history = log.take();
  g.setOlder("h", g.fillWanted(), []); // nothing stored before the first sample
  assert.equal(g.fillWanted(), null);
  log.receive([1100, 1101].map((t) => JSON.stringify({ ts: t })));
  const points = log.take();
  g.history.push(...points);
  g.reread(points);
  assert.deepEqual(g.history.map((p) => p.ts), [1100, 1101]);
  assert.deepEqual(g.older.points.map((p) => p.ts), range(1000, 1010, 1));
  assert.deepEqual(g.fillWanted(), { from: 801, to: 1100 });
  assert.deepEqual(shape(g.windowPoints()).slice(-4), ["1009", "gap", "1100", "1101"]);
});
