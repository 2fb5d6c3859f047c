// What fires, as the live page's banner and the hosts overview show it (assets/alerts-firing.js,
// built on assets/alerts.js), and the banner module loading under Node (assets/live-alerts.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const F = require("../../assets/alerts-firing.js");
const A = require("../../assets/alerts.js");

const NOW = Date.UTC(2025, 2, 14, 14, 17, 0) / 1000; // 14:17 UTC
const UTC = { locale: "en-GB", timeZone: "UTC" };
const RULES = { rules: [
  { name: "cpu", series: "cpu.total", description: "CPU busy", op: ">", absent: 0 },
  { name: "disk-space", series: "disks.usage[*].percent", description: "file system full",
    op: ">", absent: 0 },
  { name: "host-silent", series: "", description: "host not reporting", op: ">", absent: 60 },
] };
const alert = (over) => Object.assign({ rule: "cpu", host: "web-1", series: "cpu.total",
  status: "firing", severity: "warning", value: 93.4, threshold: 90, since: NOW - 800,
  firing_since: NOW - 720, acked_by: "", acked_at: null, ack_note: "" }, over);
const body = (open, silences) => ({ open: open, events: [], silences: silences || [] });

test("the banner lists the host's firing alerts, critical first, and counts the others", () => {
  const open = [
    alert(),
    alert({ rule: "disk-space", series: "disks.usage[/var].percent", severity: "critical" }),
    alert({ host: "web-1", rule: "host-silent", series: "", status: "pending" }), // not firing
    alert({ host: "db-1" }), alert({ host: "db-1", rule: "disk-space" }), alert({ host: "db-2" }),
  ];
  const view = F.bannerView(body(open), RULES, "web-1", NOW);
  assert.deepEqual(view.rows.map((r) => r.rule), ["disk-space", "cpu"]);
  assert.equal(view.worst, "critical");
  assert.equal(view.rows[0].title, "File system full");
  assert.equal(view.rows[0].seriesShown, "disks.usage[/var].percent");
  assert.equal(A.valueText(view.rows[1]), "93.4 % · threshold above 90 %");
  assert.deepEqual([view.total, view.more, view.others], [2, 0, 3]);
  assert.equal(F.headline(view), "2 alerts firing on web-1");
  assert.equal(F.othersText(view), "3 more on db-1 and db-2");
});

test("at most `max` lines; the rest are counted", () => {
  const open = ["a", "b", "c"].map((rule) => alert({ rule: rule }));
  const view = F.bannerView(body(open), RULES, "web-1", NOW, 2);
  assert.deepEqual([view.rows.length, view.total, view.more], [2, 3, 1]);
  assert.equal(view.rows[0].title, "a"); // no rule known by that name: its name
});

test("nothing firing on the host: no headline, the others in a sentence of their own", () => {
  const one = F.bannerView(body([alert({ host: "db-1" })]), RULES, "web-1", NOW);
  assert.deepEqual([one.total, one.others, one.worst, F.headline(one)], [0, 1, "", ""]);
  assert.equal(F.othersText(one), "1 alert firing on db-1");
  const many = ["a", "b", "c"].map((host) => alert({ host: host }));
  assert.equal(F.othersText(F.bannerView(body(many), RULES, "web-1", NOW)),
    "3 alerts firing on 3 other hosts");
  const none = F.bannerView(body([]), RULES, "web-1", NOW);
  assert.deepEqual([none.total, none.others, F.othersText(none)], [0, 0, ""]);
  assert.equal(F.bannerView(null, null, "web-1", NOW).total, 0);
});

test("since: the local clock time and how long, the date too on another day", () => {
  assert.equal(F.sinceLine(NOW - 720, NOW, UTC), "since 14:05 (for 12 min)");
  assert.equal(F.sinceLine(NOW - 30, NOW, UTC), "since 14:16 (for 30 s)");
  assert.equal(F.sinceLine(NOW - 3 * 3600, NOW, UTC), "since 11:17 (for 3 h)");
  assert.equal(F.sinceLine(NOW - 86400, NOW, UTC), "since 13 Mar, 14:17 (for 24 h)");
  assert.equal(F.clockText(NOW - 720, NOW, { locale: "en-US", timeZone: "UTC" }), "14:05");
  assert.equal(F.clockText(NOW, NOW, { locale: "en-GB", timeZone: "Asia/Kolkata" }), "19:47");
  assert.equal(F.sinceLine(null, NOW, UTC), "");
  assert.equal(A.spanText(-45), "45 s"); // the alerts page's words, shared
  assert.equal(A.sinceText(NOW - 720, NOW), "12 min ago");
});

test("who took it in hand: acknowledged by whom and when, silenced until", () => {
  const [acked] = F.firingRows(body([alert({ acked_by: "alice", acked_at: NOW - 60 })]), RULES,
    NOW);
  assert.equal(F.noteText(acked, NOW, UTC), "Acknowledged by alice at 14:16");
  const silences = [{ id: 1, rule: "cpu", host: "*", series: "*", until: NOW + 3600 }];
  const [silenced] = F.firingRows(body([alert()], silences), RULES, NOW);
  assert.equal(silenced.state, "silenced"); // still firing: shown, with its silence
  assert.equal(F.noteText(silenced, NOW, UTC), "Silenced until 15:17");
  const [plain] = F.firingRows(body([alert()]), RULES, NOW);
  assert.equal(F.noteText(plain, NOW, UTC), "");
});

test("the overview's marks: firing alerts per host, counted by severity, worst first", () => {
  const marks = F.hostMarks(body([
    alert({ host: "a" }), alert({ host: "a", rule: "disk-space", severity: "critical" }),
    alert({ host: "a", rule: "x", severity: "warning" }),
    alert({ host: "b", severity: "critical" }), alert({ host: "b", rule: "y", severity: "critical" }),
    alert({ host: "c", status: "pending" }), alert({ host: "d", severity: "" }),
  ]));
  assert.deepEqual(Object.keys(marks).sort(), ["a", "b", "d"]);
  assert.deepEqual([marks.a.count, marks.a.worst, marks.a.text, marks.a.detail],
    [3, "critical", "1 critical +2", "1 critical · 2 warning"]);
  assert.deepEqual([marks.b.count, marks.b.worst, marks.b.text, marks.b.detail],
    [2, "critical", "2 critical", "2 critical"]);
  assert.deepEqual([marks.d.worst, marks.d.text, marks.d.detail], ["", "1 firing", "1 firing"]);
  assert.deepEqual(F.hostMarks(null), {});
});

test("links to the alerts page, filtered to a host", () => {
  assert.equal(F.alertsHref("web 1/a"), "alerts?host=web%201%2Fa");
  assert.equal(F.alertsHref(""), "alerts");
});

test("the banner module loads under Node and registers its callback", () => {
  const B = require("../../assets/live-alerts.js");
  assert.equal(typeof B.Banner, "function");
  assert.equal(typeof globalThis.dash_clientside.liveAlerts.poll, "function");
  assert.equal(globalThis.dash_clientside.liveAlerts.poll(0, 0, null), undefined);
});
