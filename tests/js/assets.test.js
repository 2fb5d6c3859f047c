// Every script in assets/: small, loadable in the browser's order and under Node, one
// definition of isNumber, and no global WebSocket replaced.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const ASSETS = path.join(__dirname, "..", "..", "assets");
// Dash loads assets/ in file-name order (its _walk_assets_directory sorts them).
const scripts = fs.readdirSync(ASSETS).filter((name) => name.endsWith(".js")).sort();
const source = (name) => fs.readFileSync(path.join(ASSETS, name), "utf8");

test("every script in assets/ has at most 300 lines", () => {
  assert.ok(scripts.length >= 10, scripts.join(", "));
  for (const name of scripts) {
    const lines = source(name).split("\n").length - 1;
    assert.ok(lines <= 300, name + " has " + lines + " lines");
  }
});

test("loaded as the browser does, the scripts register every module and callback", () => {
  const page = vm.createContext({ console: console });
  page.window = page; // a browser's global object: no module, no require
  for (const name of scripts) { vm.runInContext(source(name), page, { filename: name }); }
  const modules = ["api", "figures", "graphs", "hosts", "link", "panels", "rows", "samples",
    "socket", "table", "workloads"];
  for (const name of modules) { assert.equal(typeof page.monitorLive[name], "object", name); }
  assert.equal(typeof page.monitorFormat.bytes, "function");
  for (const name of ["alerts", "history", "live", "overview"]) {
    assert.equal(typeof page.dash_clientside[name], "object", name);
  }
  assert.deepEqual(Object.keys(page.dash_clientside.live).sort(), ["connection", "render"]);
  assert.equal(page.WebSocket, undefined, "no script defines a WebSocket");
});

test("each script also loads alone under Node", () => {
  for (const name of scripts) {
    assert.doesNotThrow(() => require(path.join(ASSETS, name)), name);
  }
});

test("isNumber is defined once, in dashboard.js, and nothing replaces window.WebSocket", () => {
  for (const name of scripts) {
    const text = source(name);
    const own = name === "dashboard.js";
    assert.equal(/function isNumber\b/.test(text), own, name);
    assert.equal(/isFinite\(/.test(text), own, name);
    assert.doesNotMatch(text, /\b(window|root|globalThis)\.WebSocket\s*=[^=]/, name);
  }
});
