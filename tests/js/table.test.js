// The process table's rows, sort order and filter (assets/live-table.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const T = require("../../assets/live-table.js");

const rows = [
  { pid: 7, name: "nginx", user: "www", cpu: 5, rss: 1048576, cmdline: "nginx: worker" },
  { pid: 3, name: "postgres", user: "postgres", cpu: null, cmdline: "/usr/lib/postgresql/16" },
  { pid: 9, name: "python3", user: "alice", cpu: 50, cmdline: "python3 app.py --verbose" },
  { pid: 1, name: "systemd", user: "root", cmdline: "/sbin/init" }, // cpu missing
  { pid: 4, name: "Bash", user: "alice", cpu: 20, cmdline: "-bash" },
  { pid: 2, user: "root", cpu: NaN, cmdline: "" }, // no name, cpu not a number
];
const pids = (list) => list.map((row) => row.pid);
const sorted = (sort) => pids(rows.slice().sort(T.comparator(sort)));

test("the union of the top-CPU and top-memory lists, once per pid, top-CPU first", () => {
  const sample = {
    processes: {
      top_cpu: [{ pid: 9, cpu: 50 }, { pid: 4, cpu: 20 }],
      top_mem: [{ pid: 3, rss: 9 }, { pid: 9, rss: 1 }, null],
    },
  };
  assert.deepEqual(T.processRows(sample), [
    { pid: 9, cpu: 50 }, { pid: 4, cpu: 20 }, { pid: 3, rss: 9 },
  ]);
  assert.deepEqual(T.processRows({}), []);
  assert.deepEqual(T.processRows(null), []);
});

test("numbers sort highest first with missing ones last, ties by pid", () => {
  assert.deepEqual(sorted({ key: "cpu", dir: -1 }), [9, 4, 7, 1, 2, 3]);
  assert.deepEqual(sorted({ key: "cpu", dir: 1 }), [1, 2, 3, 7, 4, 9]); // missing ones first
  assert.deepEqual(sorted({ key: "rss", dir: -1 }), [7, 1, 2, 3, 4, 9]);
  assert.deepEqual(sorted({ key: "no such column", dir: -1 }), [9, 4, 7, 1, 2, 3]); // by CPU
});

test("text sorts alphabetically, any case, a missing name first", () => {
  assert.deepEqual(sorted({ key: "name", dir: 1 }), [2, 4, 7, 3, 9, 1]);
  assert.deepEqual(sorted({ key: "name", dir: -1 }), [1, 9, 3, 7, 4, 2]);
  assert.deepEqual(sorted({ key: "user", dir: 1 }), [4, 9, 3, 1, 2, 7]); // alice, ..., root x2
});

test("a header click reverses its column, or starts another one in its natural order", () => {
  assert.deepEqual(T.nextSort({ key: "cpu", dir: -1 }, "cpu"), { key: "cpu", dir: 1 });
  assert.deepEqual(T.nextSort({ key: "cpu", dir: 1 }, "name"), { key: "name", dir: 1 });
  assert.deepEqual(T.nextSort({ key: "name", dir: 1 }, "rss"), { key: "rss", dir: -1 });
});

test("the filter matches name, user or command, trimmed and in any case", () => {
  const filtered = (text) => pids(T.filterRows(rows, text)).sort((a, b) => a - b);
  assert.deepEqual(filtered("ALICE"), [4, 9]);
  assert.deepEqual(filtered("  postgresql "), [3]); // the command line
  assert.deepEqual(filtered("bash"), [4]);
  assert.deepEqual(filtered("9"), []); // pid and numbers are not searched
  assert.deepEqual(filtered(""), [1, 2, 3, 4, 7, 9]);
  assert.deepEqual(filtered(null), [1, 2, 3, 4, 7, 9]);
  assert.deepEqual(filtered("no such process"), []);
});

test("the table's rows are filtered, then sorted", () => {
  const sample = { processes: { top_cpu: rows, top_mem: [] } };
  assert.deepEqual(pids(T.tableRows(sample, "root", { key: "pid", dir: -1 })), [2, 1]);
});

test("cells show units, and a dash when the value is missing", () => {
  const col = (key) => T.COLUMNS.find((c) => c.key === key);
  assert.equal(T.cellText(col("rss"), 1048576), "1.00 MiB");
  assert.equal(T.cellText(col("cpu"), 12.345), "12.3");
  assert.equal(T.cellText(col("cpu"), null), "–");
  assert.equal(T.cellText(col("name"), undefined), "–");
  assert.equal(T.cellText(col("pid"), 42), "42");
});
