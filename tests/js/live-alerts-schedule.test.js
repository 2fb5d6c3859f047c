// When the live page's alert banner reads the alerts (assets/live-alerts-schedule.js), and the
// banner reading on a new revision in a sample (assets/live-alerts.js, fetch stubbed). Times
// are injected: the schedule never reads a clock of its own.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const S = require("../../assets/live-alerts-schedule.js");

const EVERY = 5000;

/* A schedule that has read once at t=0 (answer revision `rev`), and a helper that reads when
 * due at `t`, like the banner: the number of reads so far. */
function started(rev) {
  const s = new S.AlertSchedule(EVERY);
  const reads = [];
  const tick = (t, answerRev) => {
    if (!s.due(t, false)) { return reads.length; }
    s.started(t);
    reads.push(t);
    s.answered(t + 20, answerRev === undefined ? s.rev : answerRev);
    return reads.length;
  };
  tick(0, rev);
  return { s, reads, tick };
}

test("a read at once at start, then none while the samples' revision stays the same", () => {
  const { s, reads, tick } = started(7);
  assert.deepEqual(reads, [0]);
  for (let t = 1000; t < 59_000; t += 1000) {
    s.sample(7, t); // one sample a second, revision unchanged
    tick(t);
  }
  assert.deepEqual(reads, [0]);
});

test("a new revision in a sample reads at once; the same one again does not", () => {
  const { s, reads, tick } = started(7);
  s.sample(7, 1000);
  tick(1000);
  s.sample(8, 2000);
  tick(2000);
  s.sample(8, 3000);
  tick(3000);
  assert.deepEqual(reads, [0, 2000]);
});

test("a new revision within MIN_GAP_MS of a read waits for the gap", () => {
  const { s, reads, tick } = started(7);
  s.sample(8, 400);
  tick(400);
  assert.deepEqual(reads, [0]);
  tick(S.MIN_GAP_MS);
  assert.deepEqual(reads, [0, S.MIN_GAP_MS]);
});

test("the safety read once a minute while revisions come", () => {
  const { s, reads, tick } = started(7);
  for (let t = 1000; t <= 125_000; t += 1000) {
    s.sample(7, t);
    tick(t);
  }
  assert.equal(reads.length, 3); // 0, about 60 s, about 120 s
  assert.ok(reads[1] >= S.SAFETY_MS - EVERY && reads[1] <= S.SAFETY_MS, String(reads));
});

test("no revision for STALE_POLLS polls: back to a read every poll", () => {
  const { s, reads, tick } = started(7);
  s.sample(7, 1000);
  for (let t = 2000; t <= 40_000; t += EVERY) { tick(t); } // samples stopped at 1 s
  const after = reads.filter((t) => t > 1000 + S.STALE_POLLS * EVERY);
  assert.ok(after.length >= 4, String(reads));
  assert.deepEqual(reads.filter((t) => t > 0 && t <= 1000 + S.STALE_POLLS * EVERY), []);
});

test("samples without a revision (an older sampler) read every poll", () => {
  const s = new S.AlertSchedule(EVERY);
  s.sample(undefined, 0);
  assert.equal(s.following(0), false);
  s.started(0);
  s.answered(10, undefined);
  assert.equal(s.due(3000, false), false);
  assert.equal(s.due(EVERY, false), true);
});

test("the socket opening again reads at once (after MIN_GAP_MS)", () => {
  const { s, reads, tick } = started(7);
  s.sample(7, 1000);
  s.force();
  tick(1000);
  s.sample(7, 2000);
  tick(2000); // forced once only
  assert.deepEqual(reads, [0, 1000]);
});

test("before any sample the answer's revision is the one compared", () => {
  const { s, reads, tick } = started(9); // read at start: the server said 9
  s.sample(9, 1500);
  tick(1500);
  assert.deepEqual(reads, [0]);
  s.sample(10, 2500);
  tick(2500);
  assert.deepEqual(reads, [0, 2500]);
});

test("a read in flight is never doubled; one that gave no answer retries every poll", () => {
  const s = new S.AlertSchedule(EVERY);
  s.sample(3, 0);
  assert.equal(s.due(0, false), true);
  s.started(0);
  s.sample(4, 1500);
  assert.equal(s.due(1500, true), false); // busy
  assert.equal(s.due(2000, false), false); // ended without an answer: failed, wait a poll
  assert.equal(s.failed, true);
  assert.equal(s.due(EVERY, false), true);
});

test("stale: the last read failed, or none came in the time the schedule gives", () => {
  const { s, tick } = started(7);
  for (let t = 1000; t <= 50_000; t += 1000) { s.sample(7, t); tick(t); }
  assert.equal(s.stale(50_000), false); // no read for 50 s, as scheduled: not stale
  const late = S.SAFETY_MS + S.STALE_POLLS * EVERY;
  assert.equal(s.stale(late + 21), true); // not even the safety read came
  const f = new S.AlertSchedule(EVERY);
  f.started(0);
  f.answered(0, 1);
  f.sample(1, 0);
  f.started(EVERY);
  assert.equal(f.due(EVERY + 1000, false), false); // the read ended without an answer
  assert.equal(f.stale(S.STALE_POLLS * EVERY + 1), true);
});

test("the banner reads when a heard sample carries a new revision, not for the same", async () => {
  const urls = [];
  globalThis.fetch = (url) => {
    urls.push(url);
    const body = JSON.stringify({ open: [], events: [], silences: [], revision: 4 });
    return Promise.resolve({ ok: true, text: () => Promise.resolve(body) });
  };
  globalThis.document = { getElementById: () => null };
  require("../../assets/live-api.js");
  const L = require("../../assets/live-alerts.js");
  let clock = 0;
  const banner = new L.Banner({ everyMs: EVERY, rootId: "x", rulesEveryMs: 60_000 }, () => clock);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  banner.read(clock);
  await settle();
  const alerts = () => urls.filter((u) => u.startsWith("/api/v1/alerts?")).length;
  assert.equal(alerts(), 1);
  clock = 2000;
  banner.heard({ ts: 1, health: { alerts_rev: 4 } }, clock);
  await settle();
  assert.equal(alerts(), 1);
  clock = 3000;
  banner.heard({ ts: 2, health: { alerts_rev: 5 } }, clock);
  await settle();
  assert.equal(alerts(), 2);
  delete globalThis.document;
});
