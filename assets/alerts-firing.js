/* What fires now, as the live page's banner (live-alerts.js) and the hosts overview's marks
 * (overview.js) show it: pure functions (no DOM, no fetch) over the bodies of GET api/v1/alerts
 * and GET api/v1/alerts/rules, built on the alerts page's rows (alerts.js): monitorFiring.
 *
 * "Firing" is an open alert whose status is firing, silenced or not: a silence only stops its
 * notifications, the condition still holds (the banner says "silenced until"). Times are epoch
 * seconds; clock texts take {locale, timeZone} (the browser's own when left out). */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  if (node && !root.monitorAlerts) { require("./alerts.js"); }
  if (node && !root.monitorFormat) { root.monitorFormat = require("./dashboard.js"); }
  const A = () => root.monitorAlerts;

  const RANK = { critical: 0, warning: 1 };
  const rank = (severity) => (RANK[severity] === undefined ? 9 : RANK[severity]);
  const finite = (v) => typeof v === "number" && v - v === 0;
  const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");

  /* The alerts page's rows of the alerts firing now: critical first, then the oldest. */
  function firingRows(body, rulesBody, now) {
    const open = { open: (body && body.open) || [], events: [],
      silences: (body && body.silences) || [] };
    return A().sortRows(A().buildRows(open, rulesBody, now).filter((r) => r.firing));
  }

  /* The banner of `host`: its firing rows (at most `max`), how many more it has, and how many
   * fire on other hosts (and which). `worst` is the worst severity of the host's rows. */
  function bannerView(body, rulesBody, host, now, max) {
    const rows = firingRows(body, rulesBody, now);
    const mine = rows.filter((r) => r.host === host);
    const others = rows.filter((r) => r.host !== host);
    const shown = mine.slice(0, max === undefined ? mine.length : max);
    return {
      host: host, rows: shown, total: mine.length, more: mine.length - shown.length,
      others: others.length, otherHosts: A().hostsOf(others),
      worst: mine.length ? mine[0].severity || "" : "",
    };
  }

  /* "2 alerts firing on web-1"; "" when none does. */
  function headline(view) {
    return view.total ? plural(view.total, "alert") + " firing on " + view.host : "";
  }

  /* What fires elsewhere: "1 more on db-1", "3 more on db-1 and db-2", "5 more on 3 other
   * hosts" beside the host's own; "2 alerts firing on db-1" when the host has none. */
  function othersText(view) {
    if (!view.others) { return ""; }
    const hosts = view.otherHosts;
    const where = hosts.length <= 2 ? hosts.join(" and ") : hosts.length + " other hosts";
    return (view.total ? view.others + " more" : plural(view.others, "alert") + " firing") +
      " on " + where;
  }

  /* "14:05" on the day of `now`, "Mar 3, 14:05" before: the pages' one clock (dashboard.js). */
  function clockText(ts, now, opts) {
    return root.monitorFormat.when(ts, now, opts);
  }

  /* "since 14:05 (for 12 min)". */
  function sinceLine(ts, now, opts) {
    if (!finite(ts)) { return ""; }
    return "since " + clockText(ts, now, opts) + " (for " + A().spanText(Math.max(0, now - ts)) +
      ")";
  }

  /* Who took the row in hand: "Acknowledged by alice at 14:07", "Silenced until 16:00", both
   * joined by " · "; "" when neither. */
  function noteText(r, now, opts) {
    const notes = [];
    if (r.acked) {
      notes.push("Acknowledged" + (r.ackedBy ? " by " + r.ackedBy : "") +
        (finite(r.ackedAt) ? " at " + clockText(r.ackedAt, now, opts) : ""));
    }
    if (r.silence) { notes.push("Silenced until " + clockText(r.silence.until, now, opts)); }
    return notes.join(" · ");
  }

  /* Per host with firing alerts: {count, worst, bySeverity: {critical: n, ...}, text, detail}. */
  function hostMarks(body) {
    const marks = {};
    for (const alert of (body && body.open) || []) {
      if (alert.status !== "firing") { continue; }
      const mark = marks[alert.host] || (marks[alert.host] = { count: 0, worst: "", bySeverity: {} });
      const severity = alert.severity || "";
      mark.count += 1;
      mark.bySeverity[severity] = (mark.bySeverity[severity] || 0) + 1;
      if (mark.count === 1 || rank(severity) < rank(mark.worst)) { mark.worst = severity; }
    }
    for (const mark of Object.values(marks)) {
      mark.text = markText(mark);
      mark.detail = detailText(mark);
    }
    return marks;
  }

  /* Short, for a tile: the worst severity's count, then how many others: "2 critical",
   * "1 critical +3", "1 firing" (no severity). */
  function markText(mark) {
    const top = mark.bySeverity[mark.worst] || 0;
    const rest = mark.count - top;
    return top + " " + (mark.worst || "firing") + (rest ? " +" + rest : "");
  }

  /* Every severity's count, worst first: "1 critical · 3 warning". */
  function detailText(mark) {
    const severities = Object.keys(mark.bySeverity).sort((a, b) => rank(a) - rank(b));
    return severities.map((s) => mark.bySeverity[s] + " " + (s || "firing")).join(" · ");
  }

  /* "alerts?host=web-1": the alerts page filtered to a host, relative to the page's prefix. */
  function alertsHref(host) {
    return host ? "alerts?host=" + encodeURIComponent(host) : "alerts";
  }

  const api = { firingRows, bannerView, headline, othersText, clockText, sinceLine, noteText,
    hostMarks, markText, detailText, alertsHref };
  root.monitorFiring = api;
  if (node) { module.exports = api; }
})(typeof window !== "undefined" ? window : globalThis);
