/* The "Try a rule" panel's pure functions (no DOM, no fetch): monitorAlertsTrial.
 * alerts-trial-page.js draws what these return from POST api/v1/alerts/test
 * (app/web/alerts_trial_api.py): the request body, the summary line, one table row per period,
 * and which field an error belongs next to. Times are epoch seconds. */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  if (node && !root.monitorAlerts) { require("./alerts.js"); }
  const A = () => root.monitorAlerts;

  const OWN = "__toml__"; // the rule picker's "a rule of my own" option
  const RANGES = [["1d", "1 day"], ["7d", "7 days"], ["30d", "30 days"]];
  const FIELDS = ["rule", "toml", "since", "host"]; // parameters an error can name
  const SOURCES = { raw: ["raw sample", "raw samples"], "1m": ["1-minute bucket", "1-minute buckets"],
    "1h": ["1-hour bucket", "1-hour buckets"] };
  const PLACEHOLDER = [
    "[[rule]]",
    'name = "cpu-hot"',
    'series = "cpu.total"       # any stored series name; wildcards like "disks.usage[*].percent"',
    'stat = "avg"               # avg | max | min | last over the window',
    'window = "30s"',
    "warn = 80                  # fires when the statistic is above (or, with op = \"<\", below) this",
    "crit = 95",
    'for = "1m"',
    "clear = 70                 # hysteresis: resolves only below this",
  ].join("\n");

  const finite = (v) => typeof v === "number" && v - v === 0;

  /* [value, label] of each rule in force that can be replayed (not a silent-host rule). */
  function ruleOptions(rulesBody) {
    return ((rulesBody && rulesBody.rules) || []).filter((r) => !r.absent).map((r) =>
      [r.name, r.description ? r.name + " – " + r.description : r.name]);
  }

  /* The JSON body of POST api/v1/alerts/test for the panel's choices. */
  function requestBody(choice) {
    const body = choice.rule === OWN ? { toml: choice.toml || "" } : { rule: choice.rule || "" };
    body.since = choice.since || "7d";
    if (choice.host) { body.host = choice.host; }
    return body;
  }

  function rangeLabel(since) {
    const found = RANGES.find(([value]) => value === since);
    return found ? found[1] : since;
  }

  /* A length of time for people: "45 s", "4 min", "1 h 20 min", "2 d 3 h". */
  function durationText(seconds) {
    if (!finite(seconds)) { return "–"; }
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) { return s + " s"; }
    const minutes = Math.round(s / 60);
    if (minutes < 60) { return minutes + " min"; }
    const hours = Math.floor(minutes / 60);
    if (hours < 24) { return hours + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : ""); }
    const days = Math.floor(hours / 24);
    return days + " d" + (hours % 24 ? " " + (hours % 24) + " h" : "");
  }

  /* "Would have fired 7 times in 7 days (total 28 min)", once, or not at all. */
  function summaryText(answer, since) {
    const range = rangeLabel(since);
    const n = answer.firings;
    if (!n) { return "Would not have fired in " + range + "."; }
    const times = n === 1 ? "once" : n.toLocaleString("en-US") + " times";
    return "Would have fired " + times + " in " + range + " (total " +
      durationText(answer.total_seconds) + ")";
  }

  /* What was replayed, oldest tier first: "20,160 raw samples of 2 hosts in 0.4 s", with
   * rollups where raw samples are no longer kept, or that nothing was stored. */
  function metaText(answer) {
    const hosts = Object.keys(answer.sources || {}).length;
    if (!hosts) { return "No stored history of the series this rule watches in this range."; }
    const rows = answer.rows || {};
    const parts = ["1h", "1m", "raw"].filter((tier) => rows[tier]).map((tier) =>
      rows[tier].toLocaleString("en-US") + " " + SOURCES[tier][rows[tier] === 1 ? 0 : 1]);
    const read = parts.length > 1 ? parts.slice(0, -1).join(", ") + " and " + parts.slice(-1)
      : parts.join("");
    let text = "Replayed " + read + " of " + hosts + (hosts === 1 ? " host" : " hosts") +
      " in " + (answer.seconds_replayed || 0).toFixed(1) + " s.";
    if (answer.source === "1m" || answer.source === "1h") {
      text += " Where raw samples are no longer kept, periods are known to the " +
        (answer.source === "1h" ? "hour." : "minute.");
    }
    if (answer.truncated) {
      text += " Showing the first " + answer.periods.length + " of " +
        answer.firings.toLocaleString("en-US") + ".";
    }
    return text;
  }

  /* Local date and time in the browser's own clock style, as the rest of the page writes
   * times ("Tue, Dec 3, 03:01 PM" in en-US, "Tue 3 Dec, 15:01" in en-GB). */
  function whenText(ts, options) {
    if (!finite(ts)) { return "–"; }
    const opts = options || {};
    return new Intl.DateTimeFormat(opts.locale, { weekday: "short", day: "numeric",
      month: "short", hour: "2-digit", minute: "2-digit", timeZone: opts.timeZone,
    }).format(new Date(ts * 1000));
  }

  /* The table's rows: when, how long, severity, peak with its unit, host, series. */
  function rows(answer, options) {
    const rules = {};
    for (const rule of answer.rules || []) { rules[rule.name] = rule; }
    const several = (answer.rules || []).length > 1;
    return (answer.periods || []).map((p) => {
      const rule = rules[p.rule];
      return {
        when: whenText(p.start, options),
        length: durationText(p.seconds) + (p.still_firing ? " (still firing)" : ""),
        severity: A().severityLabel(p.severity),
        severityClass: "sev-" + (p.severity || "none"),
        peak: A().withUnit(p.peak, A().unitOf(p.series, rule)),
        host: p.host,
        series: several ? p.series + " (" + p.rule + ")" : p.series,
      };
    });
  }

  /* {field, text}: the parameter an API error names (one of FIELDS, else "" for the form) and
   * the message in words, without the parameter's own prefix. */
  function errorField(body, status) {
    const message = String((body && body.error) || "HTTP " + status);
    const field = body && FIELDS.includes(body.parameter) ? body.parameter : "";
    const text = field && message.startsWith(field + ": ") ? message.slice(field.length + 2)
      : message;
    return { field: field, text: text.charAt(0).toUpperCase() + text.slice(1) };
  }

  const api = {
    OWN, RANGES, PLACEHOLDER, ruleOptions, requestBody, rangeLabel, durationText, summaryText,
    metaText, whenText, rows, errorField,
  };
  root.monitorAlertsTrial = api;
  if (node) { module.exports = api; }
})(typeof window !== "undefined" ? window : globalThis);
