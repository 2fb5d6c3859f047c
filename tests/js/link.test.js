// The connection state machine, its backoff and the status badge (assets/live-link.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const L = require("../../assets/live-link.js");

// As app/pages/live.py sends them.
const cfg = { backoff: [1, 15], pollAfterFailures: 3, staleIntervals: 3 };
const low = () => 0; // Math.random's lowest draw
const high = () => 0.999999;

test("backoff doubles from the low bound up to the high bound", () => {
  const ranges = [1, 2, 3, 4, 5, 6, 10].map((attempt) => L.backoffRange(attempt, cfg.backoff));
  assert.deepEqual(ranges, [
    [1000, 1200], // 1 s - 20 % is below the low bound: 1 s
    [1600, 2400],
    [3200, 4800],
    [6400, 9600],
    [12000, 15000], // 16 s is past the high bound: 15 s ± 20 %, at most 15 s
    [12000, 15000],
    [12000, 15000],
  ]);
  const middle = [1, 2, 3, 4, 5].map((attempt) => L.backoffMs(attempt, cfg.backoff, () => 0.5));
  assert.deepEqual(middle, [1000, 2000, 4000, 8000, 15000]);
});

test("jittered backoff stays within its range and spreads over it", () => {
  for (let attempt = 1; attempt <= 8; attempt += 1) {
    const [min, max] = L.backoffRange(attempt, cfg.backoff);
    assert.equal(L.backoffMs(attempt, cfg.backoff, low), min, "lowest draw, attempt " + attempt);
    assert.ok(Math.abs(L.backoffMs(attempt, cfg.backoff, high) - max) < 1, "highest draw");
    const draws = Array.from({ length: 200 }, () => L.backoffMs(attempt, cfg.backoff));
    assert.ok(draws.every((ms) => ms >= min && ms <= max), "attempt " + attempt);
    const spread = Math.max.apply(null, draws) - Math.min.apply(null, draws);
    assert.ok(spread > (max - min) / 2, "browsers of one outage do not retry in step");
  }
});

function env(t, extra) {
  return Object.assign({ cfg: cfg, interval: 0.5, lastFrameAt: 0, random: low }, extra);
}

test("connecting, live, then stale when an open socket stays silent", () => {
  const start = L.initial(0);
  assert.deepEqual(L.status(start, 0, env(0)), ["Connecting…", "connecting"]);
  const first = L.tick(start, 0, env(0));
  assert.equal(first.connect, true);
  assert.equal(first.link.phase, "connecting");
  assert.equal(first.link.connects, 1);
  assert.equal(start.phase, "idle", "transitions return a new link");

  const open = L.opened(first.link, 100);
  assert.deepEqual(L.status(open, 1600, env(1600, { lastFrameAt: 1500 })), ["Live", "live"]);
  // 3 intervals (1.5 s) without a frame: stale; the opening counts as the last sign of life
  assert.deepEqual(L.status(open, 1600, env(1600)), ["Live", "live"]);
  assert.deepEqual(L.status(open, 3000, env(3000, { lastFrameAt: 1500 })), ["Live", "live"]);
  assert.deepEqual(L.status(open, 3001, env(3001, { lastFrameAt: 1500 })), [
    "Stale · no sample for 2 s", "stale",
  ]);
  assert.equal(L.tick(open, 3001, env(3001, { lastFrameAt: 1500 })).connect, false);
});

test("a socket silent past the silence limit is reopened", () => {
  const open = L.opened(L.connecting(L.initial(0), 0), 0);
  assert.equal(L.silenceLimitMs(0.5), 20000); // at least 20 s
  assert.equal(L.silenceLimitMs(5), 50000); // else 10 intervals
  assert.equal(L.tick(open, 21000, env(0, { lastFrameAt: 1000 })).connect, false);
  const step = L.tick(open, 21001, env(0, { lastFrameAt: 1000 }));
  assert.equal(step.connect, true);
  assert.equal(step.link.phase, "connecting");
  assert.equal(step.link.connects, 2);
});

test("a close makes it reconnect after the backoff, then poll from the third failure", () => {
  let link = L.opened(L.connecting(L.initial(0), 0), 10);
  link = L.closed(link, 1000, cfg, low);
  assert.equal(link.phase, "waiting");
  assert.equal(link.attempt, 1);
  assert.equal(link.nextTryAt, 2000);
  assert.equal(link.polling, false);
  assert.deepEqual(L.status(link, 1000, env(1000)), [
    "Reconnecting · attempt 1, next try in 1 s", "reconnecting",
  ]);
  assert.equal(L.closed(link, 1500, cfg, low), link, "a close while waiting changes nothing");
  assert.equal(L.tick(link, 1999, env(1999)).connect, false);

  let step = L.tick(link, 2000, env(2000));
  assert.equal(step.connect, true);
  link = step.link;
  assert.deepEqual(L.status(link, 2000, env(2000)), [
    "Reconnecting · attempt 1, trying now", "reconnecting",
  ]);
  link = L.closed(link, 2100, cfg, low); // attempt 2: next try after 1.6 s
  assert.equal(link.nextTryAt, 3700);
  step = L.tick(link, 3700, env(3700));
  link = L.closed(step.link, 3800, cfg, low); // attempt 3: the REST API is polled as well
  assert.equal(link.attempt, 3);
  assert.equal(link.polling, true);
  // "Polling" once a poll has succeeded recently, "Reconnecting" until then
  assert.equal(L.status(link, 3800, env(3800))[1], "reconnecting");
  assert.deepEqual(L.status(link, 3800, env(3800, { lastPollOkAt: 3500 })), [
    "Polling · WebSocket unavailable, next try in 4 s", "polling",
  ]);
  assert.equal(L.status(link, 5600, env(5600, { lastPollOkAt: 3500 }))[1], "reconnecting");

  link = L.opened(link, 9000);
  assert.equal(link.attempt, 0);
  assert.equal(link.polling, false);
  assert.equal(L.status(link, 9000, env(9000))[1], "live");
});

test("a connect that hangs past the timeout counts as a failure", () => {
  const link = L.connecting(L.initial(0), 0);
  assert.equal(L.tick(link, L.CONNECT_TIMEOUT_MS, env(0)).link, link);
  const step = L.tick(link, L.CONNECT_TIMEOUT_MS + 1, env(0));
  assert.equal(step.connect, false);
  assert.equal(step.link.phase, "waiting");
  assert.equal(step.link.attempt, 1);
});

test("following another host starts over at once", () => {
  let link = L.initial(0);
  for (let i = 0; i < 4; i += 1) { link = L.closed(L.connecting(link, i), i, cfg, low); }
  assert.equal(link.polling, true);
  const restarted = L.restart(link, 50);
  assert.deepEqual(
    [restarted.phase, restarted.attempt, restarted.polling, restarted.connects],
    ["connecting", 0, false, 5],
  );
});

test("the paused badge counts the samples not drawn yet", () => {
  const open = L.opened(L.connecting(L.initial(0), 0), 0);
  assert.deepEqual(L.badge(open, 10, env(10), false, 4), ["Live", "status status--live"]);
  assert.deepEqual(L.badge(open, 10, env(10), true, 4), [
    "Paused · 4 new", "status status--paused",
  ]);
  const waiting = L.closed(open, 10, cfg, low);
  assert.deepEqual(L.badge(waiting, 10, env(10), true, 0), [
    "Paused · 0 new · Reconnecting · attempt 1, next try in 1 s", "status status--paused",
  ]);
});

test("a socket the server closed with 1001 is reopened at once, not after the backoff", () => {
  const open = L.opened(L.connecting(L.initial(0), 0), 10);
  let link = L.closed(open, 1000, cfg, high, L.GOING_AWAY);
  assert.equal(link.phase, "waiting");
  assert.equal(link.attempt, 0, "not a failure");
  assert.ok(link.nextTryAt >= 1000 && link.nextTryAt < 1000 + L.GONE_AWAY_MS);
  assert.equal(L.tick(link, 1000 + L.GONE_AWAY_MS, env(1000)).connect, true);
  // another 1001 soon after (a server that keeps going away) waits the usual backoff
  link = L.opened(L.connecting(link, 1300), 1400);
  link = L.closed(link, 2000, cfg, low, L.GOING_AWAY);
  assert.equal(link.attempt, 1);
  assert.equal(link.nextTryAt, 3000);
  // a 1001 while still connecting, or another code, is a failure as before
  assert.equal(L.closed(L.connecting(open, 20), 30, cfg, low, L.GOING_AWAY).attempt, 1);
  assert.equal(L.closed(open, 1000, cfg, low, 1006).nextTryAt, 2000);
});
