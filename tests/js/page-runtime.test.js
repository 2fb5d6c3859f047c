// The runtime of the pages served without Dash's renderer (assets/page-runtime.js) and its
// DOM nodes (assets/page-nodes.js): outputs, triggers, Dash's semantics, escaping.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const R = require("../../assets/page-runtime.js");
const N = require("../../assets/page-nodes.js");

/* A document of just what the runtime touches. */
function fakeDocument() {
  const byId = {};
  const element = (tag) => ({
    tagName: tag, attributes: {}, children: [], className: "", style: {
      props: {}, setProperty(name, value) { this.props[name] = value; },
    },
    setAttribute(name, value) { this.attributes[name] = value; if (name === "id") { byId[value] = this; } },
    removeAttribute(name) { delete this.attributes[name]; if (name === "style") { this.style.props = {}; } },
    appendChild(child) { this.children.push(child); },
    replaceChildren(...nodes) { this.children = nodes; },
    querySelectorAll() { return []; },
  });
  return {
    byId,
    hidden: false,
    createElement: element,
    createTextNode: (text) => ({ text }),
    getElementById: (id) => byId[id] || null,
    addEventListener() {},
    add(id) { const el = element("div"); byId[id] = el; return el; },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("a callback's return sets its outputs; no_update leaves one alone", () => {
  const multi = { outputs: [["a", "children"], ["b", "className"]], multi: true };
  assert.deepEqual(R.changes(multi, ["x", R.NO_UPDATE], R.NO_UPDATE), [["a", "children", "x"]]);
  const single = { outputs: [["nav", "data-current"]], multi: false };
  assert.deepEqual(R.changes(single, ["/", 1], R.NO_UPDATE), [["nav", "data-current", ["/", 1]]]);
  assert.deepEqual(R.changes({ outputs: [], multi: false }, undefined, R.NO_UPDATE), []);
  assert.throws(() => R.changes(multi, ["only one"], R.NO_UPDATE), /1 values for 2 outputs/);
});

test("changed props trigger the callbacks they are inputs of, in registration order", () => {
  const callbacks = [
    { inputs: [["s", "data"], ["t", "n_intervals"]] },
    { inputs: [["p", "n_clicks"]] },
    { inputs: [["t", "n_intervals"]] },
  ];
  assert.deepEqual(R.triggeredBy(callbacks, new Set(["t.n_intervals", "x.data"])),
    [[0, ["t.n_intervals"]], [2, ["t.n_intervals"]]]);
  assert.deepEqual(R.splitPropId("live-window.value"), ["live-window", "value"]);
});

test("children JSON becomes elements and text nodes, never markup", () => {
  const doc = fakeDocument();
  const [div] = N.toNodes(doc, {
    type: "Div", namespace: "dash_html_components",
    props: { className: "stat", title: "<b>", hidden: false, style: { marginTop: 2, flex: 1 },
      children: ["<script>alert(1)</script>", 5, null, true,
        { type: "Span", namespace: "dash_html_components", props: { children: "x" } }] },
  });
  assert.equal(div.tagName, "div");
  assert.equal(div.className, "stat");
  assert.deepEqual(div.attributes, { title: "<b>" });
  assert.deepEqual(div.style.props, { "margin-top": "2px", flex: "1" });
  assert.deepEqual(div.children.slice(0, 2), [{ text: "<script>alert(1)</script>" }, { text: "5" }]);
  assert.equal(div.children[2].tagName, "span");
  assert.throws(() => N.toNodes(doc, { type: "Graph", namespace: "dash_core_components" }));
  assert.throws(() => N.toNodes(doc, { type: "img onerror=x", namespace: "dash_html_components" }));
  assert.throws(() => N.toNodes(doc, {
    type: "Div", namespace: "dash_html_components", props: { "on click": "x" } }));
});

test("the runtime runs callbacks as Dash does: initial calls, set_props, PreventUpdate", async () => {
  const doc = fakeDocument();
  const status = doc.add("status");
  const calls = [];
  const win = {
    location: { pathname: "/" }, addEventListener() {}, setInterval() {},
    dash_clientside: {
      ns: {
        show(data, clicks, cfg) {
          calls.push(["show", data, clicks, cfg, win.dash_clientside.callback_context.triggered]);
          if (data === "skip") { throw R.PREVENT_UPDATE; }
          return ["got " + data, data === 2 ? R.NO_UPDATE : "on"];
        },
        later() { calls.push(["later"]); },
      },
    },
  };
  const data = {
    components: {
      store: { kind: "store", props: { data: 1 } }, cfg: { kind: "store", props: { data: "c" } },
      pause: { kind: "element", props: { n_clicks: 0 } },
    },
    callbacks: [
      { namespace: "ns", function: "show", inputs: [["store", "data"], ["pause", "n_clicks"]],
        state: [["cfg", "data"]], outputs: [["status", "children"], ["status", "className"]],
        multi: true, preventInitialCall: false },
      { namespace: "ns", function: "later", inputs: [["status", "children"]], state: [],
        outputs: [], multi: false, preventInitialCall: true },
    ],
  };
  const runtime = new R.Runtime(win, doc, data);
  runtime.start();
  assert.deepEqual(calls.shift(), ["show", 1, 0, "c", []]);
  assert.deepEqual(status.children, [{ text: "got 1" }]);
  assert.equal(status.className, "on");
  await tick(); // the output "status.children" runs the callback whose input it is
  assert.deepEqual(calls.shift(), ["later"]);
  runtime.set("store", { data: 2 });
  await tick();
  assert.deepEqual(calls.shift(), ["show", 2, 0, "c", [{ prop_id: "store.data", value: 2 }]]);
  assert.deepEqual(status.children, [{ text: "got 2" }]);
  assert.equal(status.className, "on"); // no_update
  calls.length = 0;
  runtime.set("store", { data: "skip" });
  await tick();
  assert.equal(calls.length, 1);
  assert.deepEqual(status.children, [{ text: "got 2" }]); // PreventUpdate: nothing changed
});

test("figures are drawn with Plotly.react, the first at once, the rest one per frame", () => {
  const doc = fakeDocument();
  const frames = [];
  const drawn = [];
  const plots = {};
  for (const id of ["g1", "g2"]) {
    plots[id] = { id };
    doc.add(id).querySelector = () => plots[id];
  }
  const win = {
    requestAnimationFrame: (f) => frames.push(f),
    Plotly: { react: (gd, d, layout, config) => drawn.push([gd.id, d, layout, config]) },
  };
  const graph = { kind: "graph", props: { config: { responsive: true } } };
  const runtime = new R.Runtime(win, doc, { components: { g1: graph, g2: graph }, callbacks: [] });
  runtime.set("g1", { figure: { data: [1], layout: { meta: "a" } } });
  runtime.set("g2", { figure: { data: [2], layout: {} } });
  runtime.set("g2", { figure: { data: [3], layout: {} } }); // the latest one is drawn
  assert.deepEqual(drawn, [["g1", [1], { autosize: true, meta: "a" }, { responsive: true }]]);
  frames.shift()();
  assert.deepEqual(drawn[1], ["g2", [3], { autosize: true }, { responsive: true }]);
  frames.shift()(); // nothing left: no more frames asked for
  assert.equal(drawn.length, 2);
  assert.equal(frames.length, 0);
});
