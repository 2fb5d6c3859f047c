// Samples of the followed host: parsing, dedupe by ts, other hosts, its interval, and the
// socket url that asks for what was missed (assets/live-samples.js, assets/live-api.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const S = require("../../assets/live-samples.js");
const A = require("../../assets/live-api.js");

const frame = (ts, extra) => JSON.stringify(Object.assign({ v: 1, host: "web-1", ts: ts }, extra));
const point = (sample) => ({ ts: sample.ts });

test("frames that are not samples are skipped", () => {
  assert.equal(S.parse("not json"), null);
  assert.equal(S.parse("5"), null);
  assert.equal(S.parse('{"ts": "12"}'), null);
  assert.equal(S.parse("null"), null);
  assert.deepEqual(S.parse('{"ts": 12.5}'), { ts: 12.5 });
});

test("only newer samples of the followed host are new", () => {
  const sample = { host: "web-1", ts: 10 };
  assert.equal(S.isNew(sample, "web-1", null), true);
  assert.equal(S.isNew(sample, "web-1", 9.99), true);
  assert.equal(S.isNew(sample, "web-1", 10), false); // a retried connection's repeat
  assert.equal(S.isNew(sample, "web-1", 11), false);
  assert.equal(S.isNew(sample, "edge-a", null), false); // a previous host's, still in flight
  assert.equal(S.isNew({ ts: 10 }, "web-1", null), true); // no host: the followed one's
});

test("a log keeps each sample once, in order, whatever the frames repeat", () => {
  const log = new S.SampleLog("web-1", 1, [5, 15], point);
  const frames = [frame(1), frame(2), "garbage", frame(2), frame(1.5), frame(3, { host: "b" })];
  assert.equal(log.receive(frames), 2);
  assert.equal(log.receive([frame(2), frame(3), frame(4)]), 2); // the backlog after ?since=2
  assert.deepEqual(log.take().map((p) => p.ts), [1, 2, 3, 4]);
  assert.deepEqual(log.take(), []);
  assert.equal(log.lastTs, 4);
  assert.equal(log.unseen().ts, 4);
  assert.equal(log.unseen(), null, "handed out once");
});

test("a clock stepped back: the same run's later seq is kept, after a break", () => {
  assert.equal(S.isNew({ ts: 5, seq: 8 }, "web-1", 10, 7), true); // re-anchored timestamps
  assert.equal(S.isNew({ ts: 5, seq: 7 }, "web-1", 10, 7), false); // a repeat
  assert.equal(S.isNew({ ts: 5 }, "web-1", 10, 7), false); // no seq: by ts alone
  const log = new S.SampleLog("web-1", 1, [5], point);
  log.receive([frame(100, { seq: 1 }), frame(101, { seq: 2 }), frame(40, { seq: 3 })]);
  log.receive([frame(41, { seq: 4 }), frame(41, { seq: 4 }), frame(40, { seq: 3 })]);
  const points = log.take();
  assert.deepEqual(points.map((p) => p.ts), [100, 101, 40, 40, 41]);
  assert.deepEqual(points.map((p) => !!p.gap), [false, false, true, false, false]);
  assert.deepEqual([log.lastTs, log.lastSeq], [41, 4]);
});

test("samples more than 1.5 intervals apart get a gap point between them", () => {
  assert.equal(S.isGap(10, 11.5, 1), false);
  assert.equal(S.isGap(10, 11.51, 1), true);
  assert.equal(S.isGap(10, 9, 1), true);
  const log = new S.SampleLog("web-1", 1, [5], point);
  log.receive([frame(1), frame(2), frame(3.4)]); // 1.4 intervals: no break
  log.receive([frame(30), frame(31)]); // an outage: the first after it starts a new run
  const points = log.take();
  assert.deepEqual(points.map((p) => p.ts), [1, 2, 3.4, 4.4, 30, 31]);
  assert.deepEqual(points.map((p) => !!p.gap), [false, false, false, true, false, false]);
});

test("the log says when its newest sample came", () => {
  let t = 500;
  const log = new S.SampleLog("web-1", 1, [5], point, () => t);
  assert.equal(log.receivedAt, null);
  log.receive([frame(1)]);
  t = 900;
  log.receive([frame(1)]); // a repeat is not news
  assert.equal(log.receivedAt, 500);
});

test("the followed host's interval comes from its samples", () => {
  const log = new S.SampleLog("web-1", 0.5, [5], point);
  log.receive([frame(1, { health: { interval_s: 0 } }), frame(2, { health: {} })]);
  assert.equal(log.interval, 0.5);
  log.receive([frame(3, { health: { interval_s: 2 } })]);
  assert.equal(log.interval, 2);
  assert.equal(log.limit(), 150); // 5 minutes at 2 s
});

test("at most the widest window of points waits to be drawn", () => {
  assert.equal(S.historyLimit([5, 15, 60], 0.2), 18000);
  assert.equal(S.windowPoints(5, 0.7), 429);
  const log = new S.SampleLog("web-1", 1, [1], point); // 60 points
  log.receive(Array.from({ length: 70 }, (_v, i) => frame(i + 1)));
  const points = log.take();
  assert.equal(points.length, 60);
  assert.deepEqual([points[0].ts, points[59].ts], [11, 70]); // the oldest went
});

test("the socket url carries host, since (once a sample came) and a new r", () => {
  const https = { protocol: "https:", host: "mon.example:8443" };
  assert.equal(
    A.socketUrl(https, "/monitor/", "ws/metrics", { host: "edge a", since: 12.5, r: 3 }),
    "wss://mon.example:8443/monitor/ws/metrics?host=edge%20a&since=12.5&r=3",
  );
  const http = { protocol: "http:", host: "127.0.0.1:8050" };
  assert.equal(
    A.socketUrl(http, "/", "ws/metrics", { host: null, since: null, r: 1 }),
    "ws://127.0.0.1:8050/ws/metrics?r=1",
  );
  assert.match(A.socketUrl(http, "/", "ws/metrics", { since: 0, r: 2 }), /\?since=0&r=2$/);
  assert.equal(A.latestUrl("/monitor/", "a&b"), "/monitor/api/v1/latest?host=a%26b");
});

test("Dash's path prefix always ends in a slash", () => {
  const doc = (text) => ({ getElementById: () => (text === null ? null : { textContent: text }) });
  assert.equal(A.prefix(doc('{"requests_pathname_prefix": "/monitor"}')), "/monitor/");
  assert.equal(A.prefix(doc('{"requests_pathname_prefix": "/monitor/"}')), "/monitor/");
  assert.equal(A.prefix(doc("{}")), "/");
  assert.equal(A.prefix(doc("not json")), "/");
  assert.equal(A.prefix(doc(null)), "/");
});
