// The metrics socket: every frame in order, batched notifications, one socket at a time, and
// the server fetcher (assets/live-socket.js, assets/live-api.js). Timers are node:test's mock.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const W = require("../../assets/live-socket.js");
const A = require("../../assets/live-api.js");

class FakeSocket {
  constructor(url) {
    this.url = url;
    this.closed = false;
    FakeSocket.made.push(this);
  }

  close() {
    this.closed = true;
  }
}

function setup(t, alive) {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  FakeSocket.made = [];
  let clock = 0;
  const events = { frames: 0, states: [] };
  const inbox = new W.Inbox();
  const socket = new W.MetricsSocket({
    inbox: inbox,
    WebSocket: FakeSocket,
    now: () => clock,
    alive: alive || (() => true),
    onFrames: () => { events.frames += 1; },
    onState: (state, code) => events.states.push(code === undefined ? state : [state, code]),
  });
  return { socket, inbox, events, at: (ms) => { clock = ms; } };
}

test("every frame is recorded in order, announced at most once per batch", (t) => {
  const { socket, inbox, events, at } = setup(t);
  const ws = socket.open("ws://h/ws/metrics?r=1");
  assert.equal(ws.url, "ws://h/ws/metrics?r=1");
  ws.onopen({});
  assert.deepEqual(events.states, [W.OPEN]);
  for (let i = 1; i <= 300; i += 1) {
    at(i);
    ws.onmessage({ data: "frame " + i });
  }
  assert.equal(events.frames, 0);
  t.mock.timers.tick(W.FRAME_BATCH_MS);
  assert.equal(events.frames, 1, "one render for the whole burst");
  assert.equal(socket.lastFrameAt, 300);
  ws.onmessage({ data: "frame 301" });
  t.mock.timers.tick(W.FRAME_BATCH_MS);
  assert.equal(events.frames, 2);
  const frames = inbox.take();
  assert.equal(frames.length, 301);
  assert.deepEqual(frames.slice(0, 2), ["frame 1", "frame 2"]);
  assert.equal(frames[300], "frame 301");
  assert.equal(inbox.length, 0);
});

test("a new url closes the old socket without reporting its close", (t) => {
  const { socket, events } = setup(t);
  const first = socket.open("ws://h/ws/metrics?r=1");
  first.onopen({});
  const second = socket.open("ws://h/ws/metrics?since=5&r=2");
  assert.equal(first.closed, true);
  assert.equal(first.onclose, null);
  assert.equal(first.onmessage, null);
  assert.equal(second.closed, false);
  second.onclose({});
  assert.deepEqual(events.states, [W.OPEN, W.CLOSED]); // only the current socket's close
});

test("the socket is closed once the page no longer wants it", (t) => {
  let wanted = true;
  const { socket, inbox } = setup(t, () => wanted);
  const ws = socket.open("ws://h/ws/metrics?r=1");
  ws.onmessage({ data: "a" });
  wanted = false;
  ws.onmessage({ data: "b" });
  assert.equal(ws.closed, true);
  assert.deepEqual(inbox.take(), ["a"]);

  wanted = true;
  const silent = socket.open("ws://h/ws/metrics?r=2");
  wanted = false; // the page left; no frame comes
  t.mock.timers.tick(W.ALIVE_CHECK_MS);
  assert.equal(silent.closed, true);
});

test("the fetcher asks once at a time, once per period, and counts taken answers", async (t) => {
  const calls = [];
  let answer;
  t.mock.method(globalThis, "fetch", (url, options) => {
    calls.push([url, options.cache]);
    return new Promise((resolve) => { answer = resolve; });
  });
  const fetcher = new A.Fetcher(() => 777);
  const taken = [];
  const take = (text) => { taken.push(text); return text === "good"; };
  assert.equal(fetcher.maybe(0, 1000, "/api/v1/latest", 0, take), true);
  assert.equal(fetcher.maybe(2000, 1000, "/api/v1/latest", 0, take), false, "one in flight");
  answer({ ok: true, text: () => Promise.resolve("good") });
  await new Promise(setImmediate);
  assert.deepEqual(taken, ["good"]);
  assert.equal(fetcher.okAt, 777);
  assert.equal(fetcher.maybe(999, 1000, "/api/v1/latest", 0, take), false, "not due yet");
  assert.equal(fetcher.maybe(1000, 1000, "/api/v1/latest", 0, take), true);
  answer({ ok: false });
  await new Promise(setImmediate);
  assert.deepEqual(taken, ["good"], "an error answer is not taken");
  assert.deepEqual(calls, [["/api/v1/latest", "no-store"], ["/api/v1/latest", "no-store"]]);
});

test("a close is reported with its close code", (t) => {
  const { socket, events } = setup(t);
  const ws = socket.open("ws://h/ws/metrics?r=1");
  ws.onopen({});
  ws.onclose({ code: 1001 });
  assert.deepEqual(events.states, [W.OPEN, [W.CLOSED, 1001]]);
});
