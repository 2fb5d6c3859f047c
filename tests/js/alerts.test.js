// The alerts page's pure functions (assets/alerts.js): rows, silences, sorting, filtering, text.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const A = require("../../assets/alerts.js");

const NOW = 1_700_000_000;
const RULES = { rules: [
  { name: "cpu", series: "cpu.total", description: "CPU busy", op: ">", absent: 0 },
  { name: "disk-space", series: "disks.usage[*].percent", description: "file system full",
    op: ">", absent: 0 },
  { name: "host-silent", series: "", description: "host not reporting", op: ">", absent: 60 },
  { name: "load", series: "load.load5", description: "", op: ">", absent: 0, per_core: true },
] };
const open = (over) => Object.assign({ rule: "cpu", host: "web-1", series: "cpu.total",
  status: "firing", severity: "warning", value: 93.4, threshold: 90, since: NOW - 400,
  firing_since: NOW - 300, acked_by: "", acked_at: null, ack_note: "" }, over);
const resolved = (over) => Object.assign({ kind: "resolved", rule: "cpu", host: "db-1",
  series: "cpu.total", severity: "critical", value: 50, threshold: 98, since: NOW - 9000,
  ts: NOW - 3600 }, over);

test("rows: open alerts with their state, then the newest resolved event of closed ones", () => {
  const body = {
    open: [open(), open({ host: "web-2", status: "pending", firing_since: null })],
    events: [resolved(), resolved({ ts: NOW - 7200 }), resolved({ host: "web-1" })],
    silences: [],
  };
  const rows = A.buildRows(body, RULES, NOW);
  assert.deepEqual(rows.map((r) => [r.host, r.state]),
    [["web-1", "firing"], ["web-2", "pending"], ["db-1", "resolved"]]);
  assert.equal(rows[0].title, "CPU busy");
  assert.equal(rows[0].since, NOW - 300); // firing since, not pending since
  assert.equal(rows[1].since, NOW - 400);
  assert.equal(rows[2].resolvedAt, NOW - 3600);
});

test("a silence in force whose globs match makes an alert silenced; ended ones do not", () => {
  const silences = [{ id: 1, rule: "*", host: "web-*", series: "*", until: NOW + 60 },
    { id: 2, rule: "cpu", host: "db-1", series: "*", until: NOW - 1 }];
  const body = { open: [open(), open({ host: "db-1" })], events: [], silences: silences };
  const rows = A.buildRows(body, RULES, NOW);
  assert.deepEqual(rows.map((r) => [r.host, r.state, r.silence && r.silence.id]),
    [["web-1", "silenced", 1], ["db-1", "firing", null]]);
});

test("globs follow fnmatch: * ? [seq] [!seq], other characters literal", () => {
  assert.ok(A.globMatch("disks.usage[*].percent", "disks.usage[*].percent") === false);
  assert.ok(A.globMatch("disks.usage*", "disks.usage[/].percent"));
  assert.ok(A.globMatch("web-?", "web-1") && !A.globMatch("web-?", "web-10"));
  assert.ok(A.globMatch("[!a]b", "cb") && !A.globMatch("[!a]b", "ab"));
  assert.ok(!A.globMatch("a.b", "axb"), "a dot is a dot");
  const series = "disks.usage[/home].percent";
  assert.ok(A.globMatch(A.escapeGlob(series), series));
  assert.ok(!A.globMatch(A.escapeGlob("web-*"), "web-1"));
});

test("the silence for one row matches only that alert", () => {
  const row = { rule: "disk-space", host: "web-1", series: "disks.usage[/].percent" };
  const body = A.silenceBody(row, "2h");
  assert.equal(body.for, "2h");
  assert.ok(A.globMatch(body.series, row.series) && !A.globMatch(body.series, "disks.usage[x].percent"));
  assert.equal(A.silenceBody({ rule: "host-silent", host: "h", series: "" }, "1h").series, "*");
});

test("sorting: firing, silenced, pending, resolved; critical first; oldest open first", () => {
  const rows = [
    { key: "a", state: "resolved", severity: "critical", resolvedAt: 1 },
    { key: "b", state: "resolved", severity: "critical", resolvedAt: 5 },
    { key: "c", state: "pending", severity: "critical", since: 1 },
    { key: "d", state: "firing", severity: "warning", since: 1 },
    { key: "e", state: "firing", severity: "critical", since: 9 },
    { key: "f", state: "firing", severity: "critical", since: 3 },
    { key: "g", state: "silenced", severity: "warning", since: 3 },
  ];
  assert.deepEqual(A.sortRows(rows).map((r) => r.key), ["f", "e", "d", "g", "c", "b", "a"]);
});

test("filters by host, severity and state; empty filters keep everything", () => {
  const rows = [{ host: "a", severity: "warning", state: "firing" },
    { host: "b", severity: "critical", state: "firing" },
    { host: "a", severity: "critical", state: "resolved" }];
  assert.equal(A.filterRows(rows, {}).length, 3);
  assert.equal(A.filterRows(rows, { host: "a", severity: "", state: "" }).length, 2);
  assert.deepEqual(A.filterRows(rows, { host: "a", severity: "critical" }), [rows[2]]);
  assert.deepEqual(A.filterRows(rows, { state: "firing", severity: "warning" }), [rows[0]]);
  assert.deepEqual(A.hostsOf(rows), ["a", "b"]);
});

test("since-when text", () => {
  assert.equal(A.sinceText(NOW - 2, NOW), "just now");
  assert.equal(A.sinceText(NOW - 45, NOW), "45 s ago");
  assert.equal(A.sinceText(NOW - 720, NOW), "12 min ago");
  assert.equal(A.sinceText(NOW - 3 * 3600, NOW), "3 h ago");
  assert.equal(A.sinceText(NOW - 2 * 86400, NOW), "2 d ago");
  assert.equal(A.sinceText(NOW + 7200, NOW), "in 2 h");
  assert.equal(A.sinceText(null, NOW), "–");
});

test("severity and state labels, value and threshold with units", () => {
  assert.equal(A.severityLabel("critical"), "Critical");
  assert.equal(A.severityLabel("warning"), "Warning");
  assert.equal(A.severityLabel(""), "Alert");
  assert.equal(A.stateLabel("silenced"), "Silenced");
  const rows = A.buildRows({ open: [
    open(),
    open({ rule: "disk-space", series: "disks.usage[/].percent", value: 96.2, threshold: 95 }),
    open({ rule: "host-silent", series: "", value: 1, threshold: 60 }),
    open({ rule: "load", series: "load.load5", value: 2.345, threshold: 2 }),
    open({ rule: "custom", series: "sensors.temperatures[cpu].current", value: 88, threshold: 85 }),
  ], events: [], silences: [] }, RULES, NOW);
  assert.deepEqual(rows.map(A.valueText), [
    "93.4 % · threshold above 90 %",
    "96.2 % · threshold above 95 %",
    "no samples for over 60 s",
    "2.35 per core · threshold above 2 per core",
    "88 °C · threshold above 85 °C",
  ]);
  assert.equal(rows[1].title, "File system full");
  assert.equal(rows[1].seriesShown, "disks.usage[/].percent");
  assert.equal(rows[0].seriesShown, "");
  assert.equal(rows[3].title, "load", "no description: the rule's name");
  assert.equal(rows[4].title, "custom", "a rule no longer in force: its name");
});

test("summary and empty state say when nothing is firing", () => {
  assert.equal(A.summaryText([]), "Nothing firing");
  assert.equal(A.summaryText([{ state: "firing" }, { state: "firing" }, { state: "pending" },
    { state: "resolved" }]), "2 firing · 1 pending");
  assert.match(A.emptyText([], []), /^Nothing is firing/);
  assert.match(A.emptyText([{ state: "resolved" }], []), /^Nothing is firing/);
  assert.equal(A.emptyText([{ state: "firing" }], []), "No alert matches these filters.");
  assert.equal(A.emptyText([{ state: "firing" }], [{ state: "firing" }]), "");
});

test("silence text names only the globs that narrow it", () => {
  assert.equal(A.silenceText({ rule: "*", host: "*", series: "*" }), "every alert");
  assert.equal(A.silenceText({ rule: "cpu", host: "web-*", series: "*" }), "rule cpu · host web-*");
});
