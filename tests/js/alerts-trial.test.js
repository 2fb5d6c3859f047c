// The "Try a rule" panel's pure functions (assets/alerts-trial.js): request, texts, rows, errors.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const T = require("../../assets/alerts-trial.js");

const UTC = { locale: "en-GB", timeZone: "UTC" };
const HOT = { name: "hot", series: "cpu.total", op: ">", absent: 0, per_core: false };
const period = (over) => Object.assign({ rule: "hot", host: "w", series: "cpu.total",
  start: 1_764_558_060, end: 1_764_558_300, seconds: 240, severity: "warning", peak: 90,
  still_firing: false }, over);
const answer = (over) => Object.assign({ firings: 7, total_seconds: 1680, periods: [period()],
  truncated: false, samples: 604800, rows: { raw: 604800 }, source: "raw", sources: { w: "raw" },
  seconds_replayed: 4.52, rules: [HOT] }, over);

test("the rule picker lists rules in force that replay, with their descriptions", () => {
  const rules = { rules: [{ name: "cpu", description: "CPU busy", absent: 0 },
    { name: "host-silent", description: "host not reporting", absent: 60 },
    { name: "hot", description: "", absent: 0 }] };
  assert.deepEqual(T.ruleOptions(rules), [["cpu", "cpu – CPU busy"], ["hot", "hot"]]);
  assert.deepEqual(T.ruleOptions(null), []);
});

test("the request names a rule in force or carries the pasted text, and a host if chosen", () => {
  assert.deepEqual(T.requestBody({ rule: "cpu", since: "30d", host: "" }),
    { rule: "cpu", since: "30d" });
  assert.deepEqual(T.requestBody({ rule: T.OWN, toml: "[[rule]]", since: "1d", host: "w" }),
    { toml: "[[rule]]", since: "1d", host: "w" });
  assert.deepEqual(T.requestBody({ rule: "cpu" }), { rule: "cpu", since: "7d" });
});

test("durations for people", () => {
  assert.equal(T.durationText(45), "45 s");
  assert.equal(T.durationText(240), "4 min");
  assert.equal(T.durationText(1680), "28 min");
  assert.equal(T.durationText(3600), "1 h");
  assert.equal(T.durationText(4800), "1 h 20 min");
  assert.equal(T.durationText(2 * 86400 + 3 * 3600 + 60), "2 d 3 h");
  assert.equal(T.durationText(null), "–");
});

test("the summary says how often, in what range, and for how long in all", () => {
  assert.equal(T.summaryText(answer(), "7d"), "Would have fired 7 times in 7 days (total 28 min)");
  assert.equal(T.summaryText(answer({ firings: 1, total_seconds: 240 }), "1d"),
    "Would have fired once in 1 day (total 4 min)");
  assert.equal(T.summaryText(answer({ firings: 0, total_seconds: 0 }), "30d"),
    "Would not have fired in 30 days.");
  assert.equal(T.summaryText(answer({ firings: 1234, total_seconds: 90000 }), "30d"),
    "Would have fired 1,234 times in 30 days (total 1 d 1 h)");
});

test("what was replayed, from which tiers, and when the list is cut short", () => {
  assert.equal(T.metaText(answer()), "Replayed 604,800 raw samples of 1 host in 4.5 s.");
  const rolled = T.metaText(answer({ source: "1m", rows: { "1m": 43200, raw: 1 },
    sources: { a: "1m", b: "raw" }, truncated: true, firings: 350 }));
  assert.equal(rolled, "Replayed 43,200 1-minute buckets and 1 raw sample of 2 hosts in 4.5 s. " +
    "Where raw samples are no longer kept, periods are known to the minute. Showing the " +
    "first 1 of 350.");
  const three = T.metaText(answer({ source: "1h", rows: { raw: 2, "1h": 3, "1m": 1 } }));
  assert.match(three, /^Replayed 3 1-hour buckets, 1 1-minute bucket and 2 raw samples of 1 /);
  assert.match(three, /known to the hour\.$/);
  assert.match(T.metaText(answer({ sources: {}, samples: 0 })), /^No stored history/);
});

test("local times in the locale's clock style, the same for every row", () => {
  assert.equal(T.whenText(1_764_558_060, UTC), "Mon 1 Dec, 03:01");
  assert.equal(T.whenText(1_764_558_060 + 12 * 3600, UTC), "Mon 1 Dec, 15:01");
  assert.equal(T.whenText(1_764_558_060, { locale: "en-GB", timeZone: "Asia/Kolkata" }),
    "Mon 1 Dec, 08:31");
  const us = (ts) => T.whenText(ts, { locale: "en-US", timeZone: "UTC" }).replace(/\s/g, " ");
  assert.equal(us(1_764_558_060), "Mon, Dec 1, 03:01 AM");
  assert.equal(us(1_764_558_060 + 12 * 3600), "Mon, Dec 1, 03:01 PM");
  assert.equal(T.whenText(undefined, UTC), "–");
});

test("one row per period: when, how long, severity, peak with its unit, host, series", () => {
  const [row] = T.rows(answer(), UTC);
  assert.deepEqual(row, { when: "Mon 1 Dec, 03:01", length: "4 min", severity: "Warning",
    severityClass: "sev-warning", peak: "90 %", host: "w", series: "cpu.total" });
  const load = { name: "load", series: "load.load5", op: ">", absent: 0, per_core: true };
  const rows = T.rows(answer({ rules: [HOT, load], periods: [period({ still_firing: true,
    seconds: 30, severity: "critical" }), period({ rule: "load", series: "load.load5",
    peak: 2.345 })] }), UTC);
  assert.equal(rows[0].length, "30 s (still firing)");
  assert.equal(rows[0].series, "cpu.total (hot)");
  assert.equal(rows[1].peak, "2.35 per core");
  assert.equal(T.rows(answer({ periods: [period({ peak: null })] }), UTC)[0].peak, "–");
});

test("an error goes next to the field it names, in words without the field's prefix", () => {
  assert.deepEqual(T.errorField({ error: "toml: rule 'x': key 'warn': must be a number, got " +
    "'high'", parameter: "toml" }, 400),
  { field: "toml", text: "Rule 'x': key 'warn': must be a number, got 'high'" });
  assert.deepEqual(T.errorField({ error: "since: at most 31d here", parameter: "since" }, 400),
    { field: "since", text: "At most 31d here" });
  assert.deepEqual(T.errorField({ error: "another rule trial is running" }, 429),
    { field: "", text: "Another rule trial is running" });
  assert.deepEqual(T.errorField({}, 502), { field: "", text: "HTTP 502" });
});

test("the placeholder is the rule file's example", () => {
  assert.match(T.PLACEHOLDER, /^\[\[rule\]\]\nname = "cpu-hot"\nseries = "cpu.total"/);
  assert.match(T.PLACEHOLDER, /clear = 70 +# hysteresis: resolves only below this$/);
});
