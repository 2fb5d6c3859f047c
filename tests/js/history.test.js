// The history page's browser parts (assets/history.js): the view written into the address bar
// (app/pages/history/links.py reads the same strings back: tests/history/test_units_and_ranges.py)
// and the server's figure in the page theme's colours.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const H = require("../../assets/history.js");

const T0 = 1764000000; // 2025-11-24T16:00:00Z

test("an unzoomed preset is written as range=, anything else as its window", () => {
  const base = { start: T0 - 6 * 3600, end: T0, preset: "6h" };
  const metrics = ["cpu.total", "disks.io[vda].read_bps"];
  assert.equal(
    H.viewQuery({ start: base.start, end: base.end }, base, metrics, "h1"),
    "?host=h1&range=6h&metrics=cpu.total,disks.io[vda].read_bps",
  );
  const zoomed = { start: T0, end: T0 + 1800.5 };
  assert.equal(
    H.viewQuery(zoomed, base, ["cpu.total"], "h1"),
    "?host=h1&from=2025-11-24T16:00:00Z&to=2025-11-24T16:30:00.500Z&metrics=cpu.total",
  );
  const custom = { start: T0, end: T0 + 60, preset: null };
  assert.equal(H.viewQuery({ start: T0, end: T0 + 60 }, custom, [], "web 1"),
    "?host=web%201&from=2025-11-24T16:00:00Z&to=2025-11-24T16:01:00Z");
  assert.equal(H.viewQuery(null, null, null, null), "");
  assert.equal(H.escape("sensors.temperatures[a/b c].current"),
    "sensors.temperatures[a/b%20c].current");
  assert.equal(H.escape("x&y,z"), "x%26y%2Cz");
});

test("series take the theme's colours; bands its colour, see-through", () => {
  const figure = {
    data: [
      { y: [2], fill: undefined, meta: { series: 0 } },
      { y: [1], fill: "tonexty", line: { width: 0 }, meta: { series: 1 } },
      { y: [3], meta: { series: 7 } },
      { type: "scatter", y: [0] },
    ],
    layout: { height: 660, template: { layout: { paper_bgcolor: "white" } } },
  };
  const template = { layout: { paper_bgcolor: "rgba(0,0,0,0)" } };
  const out = H.themeFigure(figure, template, ["#6d9eff", "rgb(60, 207, 123)"]);
  assert.equal(out.layout.template, template);
  assert.equal(out.layout.height, 660);
  assert.equal(out.data[0].line.color, "#6d9eff");
  assert.equal(out.data[1].line.color, "rgb(60, 207, 123)");
  assert.equal(out.data[1].line.width, 0);
  assert.equal(out.data[1].fillcolor, "rgba(60,207,123,0.22)");
  assert.equal(out.data[2].marker.color, "rgb(60, 207, 123)"); // 7 % 2
  assert.equal(out.data[3], figure.data[3]); // not a series: untouched
  assert.equal(figure.data[0].line, undefined); // the server's figure is kept as it was
  assert.equal(figure.layout.template.layout.paper_bgcolor, "white");
});

test("colours with an alpha", () => {
  assert.equal(H.withAlpha("#abc", 0.5), "rgba(170,187,204,0.5)");
  assert.equal(H.withAlpha("#6D9EFF", 0.2), "rgba(109,158,255,0.2)");
  assert.equal(H.withAlpha("rgb(1, 2, 3)", 0.1), "rgba(1,2,3,0.1)");
  assert.equal(H.withAlpha("var(--x)", 0.1), "var(--x)");
});

test("Apply reads the fields' texts from the page as they are the moment it is pressed", () => {
  const fields = { "history-from": { value: "2025-11-24 09:00" }, "history-to": { value: "x" } };
  const saved = globalThis.document;
  globalThis.document = { getElementById: (id) => fields[id] || null };
  try {
    const typed = globalThis.dash_clientside.history.typedRange(1, 0, 0);
    assert.equal(typed.from, "2025-11-24 09:00");
    assert.equal(typed.to, "x");
    assert.equal(typeof typed.at, "number"); // a new value each press: the callback always runs
  } finally {
    globalThis.document = saved;
  }
});
