// The hosts overview's pages (assets/overview.js): what it asks /api/v1/overview for on a poll,
// a search, an order or a page turn, and that an answer to a view left since draws nothing.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");

const NO_UPDATE = { noUpdate: true };
globalThis.dash_clientside = { no_update: NO_UPDATE, callback_context: { triggered: [] },
  set_props() {} };
globalThis.getComputedStyle = () => ({ getPropertyValue: () => "" });
globalThis.document = { documentElement: {}, getElementById: () => null };
require("../../assets/alerts-firing.js");
require("../../assets/overview.js");
const render = globalThis.dash_clientside.overview.render;

/* fetch answered by hand: each call of the overview waits until the test answers it. */
const asked = [];
globalThis.fetch = (url) => {
  if (url.startsWith("api/v1/alerts")) { return Promise.resolve({ ok: false }); }
  return new Promise((resolve) => asked.push({ url, answer: (body) => resolve({
    ok: true, json: () => Promise.resolve(body) }) }));
};
const page = (first, n, number, pages) => ({
  hosts: Array.from({ length: n }, (_, i) => ({ host: "h" + (first + i), reporting: true })),
  page: number, pages: pages, per_page: 60, matched: 150, total: 150, down: 0,
});
const trigger = (id) => { globalThis.dash_clientside.callback_context.triggered = id
  ? [{ prop_id: id + ".n_clicks" }] : []; };
const hosts = (out) => out[0].map((tile) => tile.props["data-host"]);

test("polls ask for the page the view is on; next and previous move it", async () => {
  trigger(null);
  let out = render(1, "", "name", 0, 0, {});
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=name&page=1");
  asked.at(-1).answer(page(0, 60, 1, 3));
  out = await out;
  assert.equal(out[2], "1\u201360 of 150");
  assert.deepEqual([out[3], out[4]], [true, false]); // previous off, next on
  trigger("overview-next");
  out = render(1, "", "name", 0, 1, {});
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=name&page=2");
  asked.at(-1).answer(page(60, 60, 2, 3));
  assert.deepEqual(hosts(await out).slice(0, 2), ["h60", "h61"]);
  trigger(null);
  out = render(2, "", "name", 0, 1, {});
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=name&page=2"); // a poll stays there
  asked.at(-1).answer(page(60, 60, 2, 3));
  await out;
});

test("an answer to a view left since is dropped, and does not move the page", async () => {
  trigger(null);
  const poll = render(3, "", "name", 0, 1, {}); // page 2 by name, still in flight ...
  const stale = asked.at(-1);
  const sorted = render(3, "", "worst", 0, 1, {}); // ... when the order changes
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=worst&page=1");
  asked.at(-1).answer(page(0, 60, 1, 3));
  assert.deepEqual(hosts(await sorted).slice(0, 1), ["h0"]);
  stale.answer(page(60, 60, 2, 3));
  assert.deepEqual(await poll, [NO_UPDATE, NO_UPDATE, NO_UPDATE, NO_UPDATE, NO_UPDATE]);
  const next = render(4, "", "worst", 0, 1, {});
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=worst&page=1"); // not page 2
  asked.at(-1).answer(page(0, 60, 1, 3));
  await next;
});

test("a search starts again at page 1 and says how many match", async () => {
  trigger("overview-next");
  let out = render(5, "", "worst", 0, 2, {});
  asked.at(-1).answer(page(60, 60, 2, 3));
  await out;
  trigger(null);
  out = render(5, " h1 ", "worst", 0, 2, {});
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=worst&page=1&q=h1");
  asked.at(-1).answer(Object.assign(page(1, 11, 1, 1), { matched: 11 }));
  out = await out;
  assert.equal(out[1], "150 hosts, all reporting · 11 match \u201ch1\u201d");
  assert.equal(out[2], ""); // one page: no pager
});
