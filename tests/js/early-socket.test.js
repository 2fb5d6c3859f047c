// The early socket: opened when the scripts load, adopted by the live page's first connect
// with the frames it got meanwhile (assets/live-socket.js). Timers are node:test's mock.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const W = require("../../assets/live-socket.js");
const A = require("../../assets/live-api.js");
const H = require("../../assets/live-hosts.js");

class FakeSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.closed = false;
    FakeSocket.made.push(this);
  }

  close() {
    this.closed = true;
    this.readyState = 3;
  }
}

function page(path, search, meta) {
  const config = { textContent: JSON.stringify({ requests_pathname_prefix: "/monitor/" }) };
  const tag = meta && { getAttribute: (name) => meta[name] };
  return {
    win: { location: { protocol: "http:", host: "h:1", pathname: path, search: search } },
    doc: {
      getElementById: (id) => (id === "_dash-config" ? config : null),
      querySelector: () => tag || null,
    },
  };
}

function metrics(t) {
  const events = { frames: 0, states: [] };
  const inbox = new W.Inbox();
  const socket = new W.MetricsSocket({
    inbox: inbox,
    WebSocket: FakeSocket,
    onFrames: () => { events.frames += 1; },
    onState: (state, code) => events.states.push(code === undefined ? state : [state, code]),
  });
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  return { socket, inbox, events };
}

const META = { content: "ws/metrics", "data-host": "web-1" };

test("the live page's document opens its socket for the page's host at once", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  FakeSocket.made = [];
  const opts = { WebSocket: FakeSocket };
  const { win, doc } = page("/monitor/", "", META);
  const early = W.openEarly(win, doc, A, H, opts);
  assert.equal(early.ws.url, "ws://h:1/monitor/ws/metrics?host=web-1&r=0");
  const other = page("/monitor", "?host=db%202", META);
  assert.equal(W.openEarly(other.win, other.doc, A, H, opts).host, "db 2");
  const history = page("/monitor/history", "", META);
  assert.equal(W.openEarly(history.win, history.doc, A, H, opts), null, "not the live page");
  const bare = page("/monitor/", "", null);
  assert.equal(W.openEarly(bare.win, bare.doc, A, H, opts), null, "no meta: no early socket");
  assert.equal(FakeSocket.made.length, 2);
});

test("adopting takes the frames that came first, in order, and reports the open", (t) => {
  FakeSocket.made = [];
  const { socket, inbox, events } = metrics(t);
  const early = new W.EarlySocket("ws://h/ws/metrics?r=0", "web-1", { WebSocket: FakeSocket });
  const ws = early.ws;
  ws.readyState = 1;
  ws.onmessage({ data: "a" });
  ws.onmessage({ data: "b" });
  assert.equal(early.usable("web-1"), true);
  assert.equal(early.usable("db-2"), false, "another host");
  assert.equal(socket.adopt(early), ws);
  assert.equal(early.usable("web-1"), false, "adopted once");
  t.mock.timers.tick(W.FRAME_BATCH_MS);
  assert.deepEqual(events.states, [W.OPEN]);
  assert.equal(events.frames, 1);
  ws.onmessage({ data: "c" });
  t.mock.timers.tick(W.FRAME_BATCH_MS);
  assert.deepEqual(inbox.take(), ["a", "b", "c"]);
  ws.onclose({ code: 1001 });
  assert.deepEqual(events.states, [W.OPEN, [W.CLOSED, 1001]]);
  assert.equal(FakeSocket.made.length, 1, "no second socket");
});

test("a socket adopted while connecting reports its open when it opens", (t) => {
  FakeSocket.made = [];
  const { socket, events } = metrics(t);
  const early = new W.EarlySocket("ws://h/ws/metrics?r=0", "web-1", { WebSocket: FakeSocket });
  const ws = socket.adopt(early);
  t.mock.timers.tick(10);
  assert.deepEqual(events.states, []);
  ws.readyState = 1;
  ws.onopen({});
  assert.deepEqual(events.states, [W.OPEN]);
});

test("an early socket that closed, or nobody adopted in time, is not usable", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  FakeSocket.made = [];
  const closed = new W.EarlySocket("ws://h/ws/metrics?r=0", "web-1", { WebSocket: FakeSocket });
  closed.ws.onclose({ code: 1006 });
  assert.equal(closed.usable("web-1"), false);
  const late = new W.EarlySocket("ws://h/ws/metrics?r=0", "web-1", { WebSocket: FakeSocket });
  const ws = late.ws;
  t.mock.timers.tick(W.EARLY_TTL_MS);
  assert.equal(ws.closed, true, "closed after EARLY_TTL_MS");
  assert.equal(late.usable("web-1"), false);
});
