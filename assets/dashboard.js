/* Shared browser helpers of every page: human units for bytes, rates, percentages, durations.
 * Page scripts (live*.js, overview.js) use window.monitorFormat; nothing here talks to the
 * server. Like every file in assets/, it also loads under Node (tests/js): there the namespace
 * is on globalThis and is the module's exports. */
(function (root) {
  "use strict";
  const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

  /* A finite number (not NaN, not ±Infinity, not a numeric string). */
  function isNumber(v) {
    return typeof v === "number" && isFinite(v);
  }

  /* 1536 -> "1.5 KiB"; three significant digits; "–" for null or NaN. */
  function bytes(n) {
    if (!isNumber(n)) { return "–"; }
    let i = 0;
    let v = Math.abs(n);
    while (v >= 1024 && i < BINARY_UNITS.length - 1) { v /= 1024; i += 1; }
    const digits = i === 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0;
    return (n < 0 ? "-" : "") + v.toFixed(digits) + " " + BINARY_UNITS[i];
  }

  function rate(n) {
    return isNumber(n) ? bytes(n) + "/s" : "–";
  }

  function pct(v, digits) {
    return isNumber(v) ? v.toFixed(digits === undefined ? 1 : digits) + " %" : "–";
  }

  function number(v, digits) {
    return isNumber(v) ? v.toFixed(digits === undefined ? 2 : digits) : "–";
  }

  /* 93784 -> "1d 2h 3m"; "–" when unknown. */
  function duration(seconds) {
    if (!isNumber(seconds)) { return "–"; }
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return (d ? d + "d " : "") + h + "h " + m + "m";
  }

  function pad(n, width) {
    return String(n).padStart(width || 2, "0");
  }

  /* Epoch seconds -> "YYYY-MM-DD HH:MM:SS.mmm" in the browser's time zone (Plotly's date
   * strings carry no zone, so the axes and hovers show local time). */
  function localIso(ts) {
    const d = new Date(Math.round(ts * 1000));
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." +
      pad(d.getMilliseconds(), 3);
  }

  /* Epoch seconds -> the browser's local time of day. */
  function clock(ts) {
    return isNumber(ts) ? new Date(ts * 1000).toLocaleTimeString() : "–";
  }

  const monitorFormat = { bytes, rate, pct, number, duration, localIso, clock, isNumber };
  root.monitorFormat = monitorFormat;
  if (typeof module !== "undefined" && module.exports) { module.exports = monitorFormat; }
})(typeof window !== "undefined" ? window : globalThis);
