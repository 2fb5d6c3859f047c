// When the live page re-reads the host list (assets/live-hosts.js HostList): once a minute, and
// soon when the picker is looked at, the socket opens or a host not in the list is heard.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const H = require("../../assets/live-hosts.js");

const MINUTE = 60000;

/* live-api.js's Fetcher without the network: answers at once with `body`. */
class FakeFetcher {
  constructor(body) {
    this.body = body;
    this.nextAt = 0;
    this.okAt = -Infinity;
    this.reads = [];
  }

  maybe(t, everyMs, _url, _timeoutMs, take) {
    if (t < this.nextAt) { return false; }
    this.nextAt = t + everyMs;
    this.reads.push(t);
    if (take(JSON.stringify(this.body))) { this.okAt = t; }
    return true;
  }
}

function ticks(list, from, to, heard) {
  let changes = 0;
  for (let t = from; t <= to; t += 500) {
    list.refresh(t, "api/v1/hosts", MINUTE, heard || null, () => true, () => { changes += 1; });
  }
  return changes;
}

test("the list is read at once, then once a minute, not on every tick", () => {
  const fetcher = new FakeFetcher({ hosts: [{ host: "a" }] });
  const list = new H.HostList(fetcher);
  assert.equal(ticks(list, 0, 3 * MINUTE - 500), 3);
  assert.deepEqual(fetcher.reads, [0, MINUTE, 2 * MINUTE]);
  assert.deepEqual(list.hosts, [{ host: "a" }]);
});

test("looking at the picker (or a socket opening) reads it at the next tick, at most once a second", () => {
  const fetcher = new FakeFetcher({ hosts: [{ host: "a" }] });
  const list = new H.HostList(fetcher);
  ticks(list, 0, 10000);
  fetcher.body = { hosts: [{ host: "a" }, { host: "new" }] };
  list.soon();
  ticks(list, 10500, 10500);
  assert.deepEqual(list.hosts.map((h) => h.host), ["a", "new"]); // the new host, at once
  list.soon();
  ticks(list, 11000, 12000); // not again within HOSTS_MIN_MS of the last read
  assert.deepEqual(fetcher.reads, [0, 10500, 11500]);
  ticks(list, 12500, 20000); // asked once, read once
  assert.equal(fetcher.reads.length, 3);
});

test("samples of a host the list lacks read it again, once for that host", () => {
  const fetcher = new FakeFetcher({ hosts: [{ host: "a" }] });
  const list = new H.HostList(fetcher);
  ticks(list, 0, 5000, "a"); // a listed host heard: nothing more
  assert.deepEqual(fetcher.reads, [0]);
  fetcher.body = { hosts: [{ host: "a" }, { host: "b" }] };
  ticks(list, 5500, 5500, "b");
  assert.deepEqual(list.hosts.map((h) => h.host), ["a", "b"]);
  fetcher.body = { hosts: [{ host: "a" }] }; // "c" never listed: asked once, not every tick
  ticks(list, 6000, 20000, "c");
  assert.deepEqual(fetcher.reads, [0, 5500, 6500]); // a second after the last read
});

test("the picker asks for a fresh list when the pointer or the focus comes to it", () => {
  const added = [];
  const select = { addEventListener: (name, fn) => added.push([name, fn]), setAttribute() {} };
  const container = { replaceChildren() {} };
  global.document = { createElement: () => select };
  try {
    let looks = 0;
    new H.HostPicker(container, () => undefined, () => { looks += 1; });
    for (const [name, fn] of added) { if (name !== "change") { fn(); } }
    assert.deepEqual(added.map(([name]) => name), ["change", "pointerenter", "focus"]);
    assert.equal(looks, 2);
  } finally {
    delete global.document;
  }
});
