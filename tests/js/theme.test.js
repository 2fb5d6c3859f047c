// The theme (assets/theme-boot.js decides before the first paint, assets/dashboard.js toggles
// and hands charts the theme's colours) and the current page in the navigation.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const boot = require("../../assets/theme-boot.js");
const T = require("../../assets/dashboard.js").theme;

test("a remembered choice wins over the system's preference", () => {
  assert.equal(boot.chosenTheme("dark", false), "dark");
  assert.equal(boot.chosenTheme("light", true), "light");
  assert.equal(boot.chosenTheme(null, true), "dark");
  assert.equal(boot.chosenTheme(null, false), "light");
  assert.equal(boot.chosenTheme("purple", true), "dark"); // not a theme: the system's
  assert.equal(boot.KEY, "monitor-theme");
});

test("the Plotly template draws in the theme's colours on a see-through background", () => {
  const colors = { fg: "#e6e8eb", muted: "#9aa4b1", card: "#1b1e23", border: "#2f353e",
    grid: "rgba(1,2,3,0.2)", series: ["#6d9eff", "#3ccf7b"] };
  const { layout } = T.plotlyTemplate(colors);
  assert.equal(layout.paper_bgcolor, "rgba(0,0,0,0)");
  assert.equal(layout.plot_bgcolor, "rgba(0,0,0,0)");
  assert.equal(layout.font.color, "#e6e8eb");
  assert.deepEqual(layout.colorway, ["#6d9eff", "#3ccf7b"]);
  assert.equal(layout.xaxis.gridcolor, "rgba(1,2,3,0.2)");
  assert.equal(layout.yaxis.tickfont.color, "#e6e8eb");
  assert.equal(layout.hoverlabel.bgcolor, "#1b1e23");
});

test("the current page is the link the path ends with, else the root", () => {
  const links = ["/", "/hosts", "/history", "/alerts", "/logout"];
  assert.equal(T.currentLink(links, "/history"), "/history");
  assert.equal(T.currentLink(links, "/history/"), "/history");
  assert.equal(T.currentLink(links, "/monitor/hosts"), "/hosts"); // behind a path prefix
  assert.equal(T.currentLink(links, "/"), "/");
  assert.equal(T.currentLink(links, "/monitor/"), "/");
  assert.equal(T.currentLink(["/hosts"], "/elsewhere"), null);
});
