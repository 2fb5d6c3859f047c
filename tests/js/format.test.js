// Unit formatting shared by every page (assets/dashboard.js, window.monitorFormat).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const F = require("../../assets/dashboard.js");

const KiB = 1024;
const MiB = KiB * 1024;
const GiB = MiB * 1024;

test("bytes use binary units with three significant digits", () => {
  assert.equal(F.bytes(0), "0 B");
  assert.equal(F.bytes(1000), "1000 B"); // binary: 1000 bytes are not yet a KiB
  assert.equal(F.bytes(1023), "1023 B");
  assert.equal(F.bytes(KiB), "1.00 KiB");
  assert.equal(F.bytes(1536), "1.50 KiB");
  assert.equal(F.bytes(150 * MiB), "150 MiB");
  assert.equal(F.bytes(8 * GiB), "8.00 GiB");
  assert.equal(F.bytes(16 * GiB), "16.0 GiB");
  assert.equal(F.bytes(-2 * KiB), "-2.00 KiB");
  assert.equal(F.bytes(Math.pow(2, 60)), "1024 PiB"); // the largest unit stays
});

test("missing or non-finite values show a dash, never NaN", () => {
  for (const value of [null, undefined, NaN, Infinity, -Infinity, "12", {}]) {
    assert.equal(F.bytes(value), "–", String(value));
    assert.equal(F.rate(value), "–", String(value));
    assert.equal(F.pct(value), "–", String(value));
    assert.equal(F.number(value), "–", String(value));
    assert.equal(F.duration(value), "–", String(value));
    assert.equal(F.count(value), "–", String(value));
  }
});

test("rates, percentages, numbers and durations", () => {
  assert.equal(F.rate(1536), "1.50 KiB/s");
  assert.equal(F.pct(12.345), "12.3 %");
  assert.equal(F.pct(5, 0), "5 %");
  assert.equal(F.number(1.234), "1.23");
  assert.equal(F.number(1.25, 1), "1.3");
  assert.equal(F.duration(93784), "1d 2h 3m");
  assert.equal(F.duration(3600), "1h 0m");
  assert.equal(F.duration(59), "0h 0m");
});

test("isNumber accepts finite numbers only", () => {
  assert.deepEqual([0, -1.5, 1e300].map(F.isNumber), [true, true, true]);
  assert.deepEqual([NaN, Infinity, "1", null, undefined].map(F.isNumber), [
    false, false, false, false, false,
  ]);
});

test("localIso is the local time with milliseconds, as Plotly's date strings", () => {
  const zone = process.env.TZ;
  process.env.TZ = "Asia/Kolkata"; // UTC+05:30
  try {
    assert.equal(F.localIso(0), "1970-01-01 05:30:00.000");
    assert.equal(F.localIso(1764118800.25), "2025-11-26 06:30:00.250");
  } finally {
    if (zone === undefined) { delete process.env.TZ; } else { process.env.TZ = zone; }
  }
});

test("times are on a 24-hour clock in every locale, with the date on another day", () => {
  const at = Date.UTC(2026, 2, 3, 14, 5, 9) / 1000;
  const utc = { timeZone: "UTC" };
  assert.equal(F.clock(at, { locale: "en-US", ...utc }), "14:05:09");
  assert.equal(F.clock(Date.UTC(2026, 2, 3, 0, 5, 9) / 1000, { locale: "en-US", ...utc }), "00:05:09");
  assert.equal(F.when(at, at + 60, { locale: "en-US", ...utc }), "14:05");
  assert.equal(F.when(at, at + 86400, { locale: "en-US", ...utc }), "Mar 3, 14:05");
  assert.equal(F.when(at, at + 86400, { locale: "en-GB", ...utc }), "3 Mar, 14:05");
  assert.equal(F.when(at, at, { locale: "en-US", timeZone: "Asia/Kolkata" }), "19:35");
  assert.equal(F.clock(null), "–");
  assert.equal(F.when(undefined, at), "–");
});

test("counts are whole and grouped by thousands", () => {
  assert.equal(F.count(0), "0");
  assert.equal(F.count(999), "999");
  assert.equal(F.count(1000), "1,000");
  assert.equal(F.count(1234567.4), "1,234,567");
});
