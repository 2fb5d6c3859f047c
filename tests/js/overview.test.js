// The hosts overview's pages (assets/overview.js): what it asks /api/v1/overview for on a poll,
// a search, an order or a page turn, what it draws when the answer comes, that an answer to a
// view left since draws nothing, and that a poll is skipped while a read is on its way.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");

const NO_UPDATE = { noUpdate: true };
const set = {}; // id -> the props set_props gave it last
globalThis.dash_clientside = { no_update: NO_UPDATE, callback_context: { triggered: [] },
  set_props(id, props) { set[id] = Object.assign(set[id] || {}, props); } };
globalThis.getComputedStyle = () => ({ getPropertyValue: () => "" });
const grid = { drawn: null };
globalThis.document = { documentElement: {},
  getElementById: (id) => (id === "grid" ? grid : null) };
globalThis.monitorPageNodes = { patchChildren(_doc, el, value) { el.drawn = value; } };
require("../../assets/alerts-firing.js");
require("../../assets/overview.js");
const render = globalThis.dash_clientside.overview.render;
const CFG = { host: "own", hostnameId: "hostname", gridId: "grid", summaryId: "summary",
  pagerId: "pager", prevId: "prev", nextId: "next", waitingId: "waiting" };

/* fetch answered by hand: each read of the overview waits until the test answers it. */
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
const shown = () => grid.drawn.map((tile) => tile.props["data-host"]);
const settle = () => new Promise((resolve) => setImmediate(resolve));
const answer = async (body) => { asked.at(-1).answer(body); await settle(); await settle(); };

test("polls ask for the page the view is on; next and previous move it", async () => {
  trigger(null);
  assert.equal(render(1, "", "name", 0, 0, CFG), NO_UPDATE); // it draws when the answer comes
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=name&page=1");
  await answer(page(0, 60, 1, 3));
  assert.equal(set.pager.children, "1\u201360 of 150");
  assert.deepEqual([set.prev.disabled, set.next.disabled], [true, false]);
  assert.deepEqual(set.waiting.style, { display: "none" });
  assert.deepEqual(shown().slice(0, 2), ["h0", "h1"]);
  trigger("overview-next");
  render(1, "", "name", 0, 1, CFG);
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=name&page=2");
  await answer(page(60, 60, 2, 3));
  assert.deepEqual(shown().slice(0, 2), ["h60", "h61"]);
  trigger(null);
  render(2, "", "name", 0, 1, CFG);
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=name&page=2"); // a poll stays there
  await answer(page(60, 60, 2, 3));
});

test("a poll while a read is on its way is skipped; a new view reads at once", async () => {
  trigger(null);
  const before = asked.length;
  render(3, "", "name", 0, 1, CFG); // page 2 by name, still on its way ...
  const stale = asked.at(-1);
  render(4, "", "name", 0, 1, CFG); // ... a poll now asks nothing
  assert.equal(asked.length, before + 1);
  render(4, "", "worst", 0, 1, CFG); // ... a new order does
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=worst&page=1");
  await answer(page(0, 60, 1, 3));
  assert.deepEqual(shown().slice(0, 1), ["h0"]);
  stale.answer(page(60, 60, 2, 3)); // the answer to the view left since draws nothing
  await settle();
  await settle();
  assert.deepEqual(shown().slice(0, 1), ["h0"]);
  render(5, "", "worst", 0, 1, CFG);
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=worst&page=1"); // not page 2
  await answer(page(0, 60, 1, 3));
});

test("a search starts again at page 1 and says how many match", async () => {
  trigger("overview-next");
  render(6, "", "worst", 0, 2, CFG);
  await answer(page(60, 60, 2, 3));
  trigger(null);
  render(6, " h1 ", "worst", 0, 2, CFG);
  assert.equal(asked.at(-1).url, "api/v1/overview?sort=worst&page=1&q=h1");
  await answer(Object.assign(page(1, 11, 1, 1), { matched: 11 }));
  assert.equal(set.summary.children, "150 hosts, all reporting · 11 match \u201ch1\u201d");
  assert.equal(set.pager.children, ""); // one page: no pager
  render(7, "nothing", "worst", 0, 2, CFG);
  await answer(Object.assign(page(0, 0, 1, 1), { matched: 0 }));
  assert.equal(grid.drawn.props.children, "No host matches \u201cnothing\u201d.");
});
