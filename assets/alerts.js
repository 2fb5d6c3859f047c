/* The alerts page's pure functions (no DOM, no fetch): monitorAlerts. alerts-page.js draws what
 * these return from GET api/v1/alerts and GET api/v1/alerts/rules.
 *
 * A row is one alert: open ones (pending, firing; "silenced" when an active silence matches
 * its rule, host and series as the server's fnmatch globs do) and the newest resolved event of
 * each alert that is not open again. Times are epoch seconds. */
(function (root) {
  "use strict";

  const STATE_ORDER = { firing: 0, silenced: 1, pending: 2, resolved: 3 };
  const SEVERITY_ORDER = { critical: 0, warning: 1 };
  const STATES = ["firing", "pending", "silenced", "resolved"];
  const SEVERITIES = ["critical", "warning"];

  const finite = (v) => typeof v === "number" && v - v === 0;
  const capital = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : "");

  function severityLabel(severity) {
    return SEVERITY_ORDER[severity] === undefined ? "Alert" : capital(severity);
  }

  function stateLabel(state) { return capital(state); }

  /* Python's fnmatchcase: * ? [seq] [!seq], everything else literal. */
  function globRegExp(pattern) {
    let out = "";
    for (let i = 0; i < pattern.length; i += 1) {
      const c = pattern[i];
      const close = c === "[" ? pattern.indexOf("]", i + 2) : -1;
      if (c === "*") { out += "[\\s\\S]*"; }
      else if (c === "?") { out += "[\\s\\S]"; }
      else if (close > 0) {
        let set = pattern.slice(i + 1, close).replace(/\\/g, "\\\\");
        if (set[0] === "!") { set = "^" + set.slice(1); } else if (set[0] === "^") { set = "\\" + set; }
        out += "[" + set + "]";
        i = close;
      } else { out += c.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&"); }
    }
    return new RegExp("^" + out + "$");
  }

  function globMatch(pattern, text) {
    return pattern === "*" || globRegExp(pattern || "*").test(text || "");
  }

  /* The first silence in force at `now` that matches the alert, or null. */
  function silenceFor(alert, silences, now) {
    return (silences || []).find((s) => s.until > now && globMatch(s.rule, alert.rule) &&
      globMatch(s.host, alert.host) && globMatch(s.series, alert.series)) || null;
  }

  /* Unit of a value from the series name (as the history stores them). */
  function unitOf(series, rule) {
    if (rule && rule.absent) { return "s"; }
    if (rule && rule.per_core) { return "per core"; }
    const name = series || "";
    if (/percent$/.test(name) || /^cpu\./.test(name)) { return "%"; }
    if (/temperatures/.test(name)) { return "°C"; }
    if (/bytes/.test(name)) { return "B"; }
    return "";
  }

  function number(value) {
    if (!finite(value)) { return "–"; }
    const abs = Math.abs(value);
    const digits = abs >= 100 || Number.isInteger(value) ? 0 : abs >= 10 ? 1 : 2;
    return value.toFixed(digits);
  }

  function withUnit(value, unit) {
    const text = number(value);
    return !unit || text === "–" ? text : text + " " + unit;
  }

  /* "93.1 % · threshold 90 %"; a host-silent rule says how long nothing came. */
  function valueText(row) {
    if (row.absent) { return "no samples for over " + withUnit(row.absent, "s"); }
    const op = row.op === "<" ? "below " : "above ";
    return withUnit(row.value, row.unit) + " · threshold " + op + withUnit(row.threshold, row.unit);
  }

  /* A length of time in words: "45 s", "12 min", "3 h", "2 d" (its sign is ignored). */
  function spanText(seconds) {
    const span = Math.abs(seconds);
    if (span < 90) { return Math.round(span) + " s"; }
    if (span < 5400) { return Math.round(span / 60) + " min"; }
    if (span < 172800) { return Math.round(span / 3600) + " h"; }
    return Math.round(span / 86400) + " d";
  }

  /* "just now", "45 s ago", "12 min ago", "3 h ago", "2 d ago" ("in 2 h" for future times). */
  function sinceText(ts, now) {
    if (!finite(ts)) { return "–"; }
    const delta = now - ts;
    if (Math.abs(delta) < 5) { return "just now"; }
    return delta >= 0 ? spanText(delta) + " ago" : "in " + spanText(delta);
  }

  function ruleTitle(rule, name) {
    return (rule && rule.description) ? capital(rule.description) : name;
  }

  function row(alert, rule, state, extra) {
    return Object.assign({
      key: [alert.rule, alert.host, alert.series].join("\u0001"),
      rule: alert.rule, host: alert.host, series: alert.series || "",
      title: ruleTitle(rule, alert.rule),
      seriesShown: rule && alert.series && alert.series !== rule.series ? alert.series : "",
      state: state, severity: alert.severity || "", value: alert.value,
      threshold: alert.threshold, unit: unitOf(alert.series, rule),
      op: rule ? rule.op : ">", absent: rule ? rule.absent : 0,
      since: alert.firing_since || alert.since, acked: false, ackedBy: "", ackedAt: null,
      ackNote: "",
      silence: null, resolvedAt: null,
    }, extra);
  }

  /* Rows from the API's bodies: open alerts, then each alert's newest resolved event. */
  function buildRows(body, rulesBody, now) {
    const rules = {};
    for (const rule of (rulesBody && rulesBody.rules) || []) { rules[rule.name] = rule; }
    const silences = (body && body.silences) || [];
    const rows = [];
    const seen = new Set();
    for (const alert of (body && body.open) || []) {
      const silence = silenceFor(alert, silences, now);
      const state = silence ? "silenced" : alert.status === "firing" ? "firing" : "pending";
      const extra = { silence: silence, firing: alert.status === "firing",
        acked: !!alert.acked_at, ackedBy: alert.acked_by || "",
        ackedAt: alert.acked_at || null, ackNote: alert.ack_note || "" };
      const r = row(alert, rules[alert.rule], state, extra);
      seen.add(r.key);
      rows.push(r);
    }
    for (const event of (body && body.events) || []) {
      if (event.kind !== "resolved") { continue; }
      const r = row(event, rules[event.rule], "resolved", { resolvedAt: event.ts, firing: false });
      if (seen.has(r.key)) { continue; }
      seen.add(r.key);
      rows.push(r);
    }
    return rows;
  }

  function filterRows(rows, filters) {
    const f = filters || {};
    return rows.filter((r) => (!f.host || r.host === f.host) &&
      (!f.severity || r.severity === f.severity) && (!f.state || r.state === f.state));
  }

  /* Firing, silenced, pending, resolved; critical first; the oldest open (newest resolved) first. */
  function sortRows(rows) {
    const rank = (order, key) => (order[key] === undefined ? 9 : order[key]);
    return rows.slice().sort((a, b) =>
      rank(STATE_ORDER, a.state) - rank(STATE_ORDER, b.state) ||
      rank(SEVERITY_ORDER, a.severity) - rank(SEVERITY_ORDER, b.severity) ||
      (a.state === "resolved" ? (b.resolvedAt || 0) - (a.resolvedAt || 0)
        : (a.since || 0) - (b.since || 0)) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  function hostsOf(rows) { return Array.from(new Set(rows.map((r) => r.host))).sort(); }

  /* The header line: "2 firing · 1 pending", or that nothing is firing. */
  function summaryText(rows) {
    const count = (state) => rows.filter((r) => r.state === state).length;
    const parts = ["firing", "silenced", "pending"].filter(count).map((s) => count(s) + " " + s);
    return parts.length ? parts.join(" · ") : "Nothing firing";
  }

  /* The empty state: nothing at all, or nothing that matches the filters. */
  function emptyText(all, shown) {
    if (shown.length) { return ""; }
    if (!all.some((r) => r.state !== "resolved")) {
      return all.length ? "Nothing is firing. No resolved alert matches these filters."
        : "Nothing is firing, and nothing fired in the last day.";
    }
    return "No alert matches these filters.";
  }

  /* "rule cpu · host web-* · all series" for a silence's globs. */
  function silenceText(silence) {
    const part = (label, glob) => (glob && glob !== "*" ? label + " " + glob : "");
    const parts = [part("rule", silence.rule), part("host", silence.host),
      part("series", silence.series)].filter(Boolean);
    return parts.length ? parts.join(" · ") : "every alert";
  }

  /* A name as a glob that matches only itself ([, * and ? in brackets, as fnmatch escapes). */
  function escapeGlob(text) { return String(text).replace(/[[*?]/g, "[$&]"); }

  /* The body of POST api/v1/alerts/silences that silences exactly one alert's row. */
  function silenceBody(r, duration) {
    return { rule: escapeGlob(r.rule), host: escapeGlob(r.host),
      series: r.series ? escapeGlob(r.series) : "*", for: duration };
  }

  const api = {
    STATES, SEVERITIES, severityLabel, stateLabel, globMatch, silenceFor, unitOf, valueText,
    spanText, sinceText, ruleTitle, buildRows, filterRows, sortRows, hostsOf, summaryText, emptyText,
    silenceText, escapeGlob, silenceBody, withUnit,
  };
  root.monitorAlerts = Object.assign(root.monitorAlerts || {}, api);
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
})(typeof window !== "undefined" ? window : globalThis);
