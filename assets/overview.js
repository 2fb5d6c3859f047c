/* Fleet overview (app/pages/hosts.py): fetches a page of /api/v1/overview once an interval
 * (and at once on a search, an order or a page turn) and returns one tile per host on it as
 * Dash components (its name links to that host's live page, ./?host=NAME,
 * and the link covers the tile). A host that stopped reporting gets the tile class host-down
 * (red) and says since when. A host with firing alerts gets a mark ("2 critical", the worst
 * severity's colour) that links to the alerts page filtered to it; the open alerts are read
 * every few seconds beside the overview, never holding its tiles back (alerts-firing.js). */
(function (root) {
  "use strict";

  const fmt = () => root.monitorFormat;
  const nodes = () => root.monitorPageNodes;
  const ALERTS_EVERY_MS = 3000;
  const OPEN_ALERTS = "api/v1/alerts?kind=firing&since=now&limit=1"; // no events wanted
  const alerts = { marks: {}, busy: false, at: -Infinity }; // the last marks read

  /* Reads the open alerts when due, in the background; a failed read keeps the last marks. */
  function readAlerts() {
    const t = Date.now();
    if (alerts.busy || t - alerts.at < ALERTS_EVERY_MS) { return; }
    alerts.busy = true;
    alerts.at = t;
    fetch(OPEN_ALERTS, { cache: "no-store", credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => { if (body) { alerts.marks = root.monitorFiring.hostMarks(body); } })
      .catch(() => undefined)
      .finally(() => { alerts.busy = false; });
  }

  /* A dash_html_components element; `type` is the component's name (A, Div, Span, Img, P). */
  function h(type, props, children) {
    return {
      type: type,
      namespace: "dash_html_components",
      props: Object.assign({}, props, children === undefined ? {} : { children: children }),
    };
  }

  function age(seconds) {
    if (!fmt().isNumber(seconds)) { return "never"; }
    if (seconds < 90) { return Math.max(0, Math.round(seconds)) + " s ago"; }
    if (seconds < 5400) { return Math.round(seconds / 60) + " min ago"; }
    if (seconds < 172800) { return Math.round(seconds / 3600) + " h ago"; }
    return Math.round(seconds / 86400) + " d ago";
  }

  function cssColor(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  /* A CPU sparkline as an SVG data URL (0–100 %, newest on the right) in `color`; "" when
   * there are fewer than two values. */
  function sparkline(values, color) {
    const w = 240;
    const hgt = 40;
    const n = values.length;
    if (n < 2) { return ""; }
    const points = values.map((v, i) => {
      const y = fmt().isNumber(v)
        ? hgt - (Math.min(100, Math.max(0, v)) / 100) * (hgt - 2) - 1
        : hgt;
      return ((i * w) / (n - 1)).toFixed(1) + "," + y.toFixed(1);
    }).join(" ");
    const svg = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " + w + " " + hgt +
      "' preserveAspectRatio='none'><polyline fill='none' stroke='" + color +
      "' stroke-width='2' vector-effect='non-scaling-stroke' points='" + points + "'/></svg>";
    return "data:image/svg+xml;utf8," + encodeURIComponent(svg);
  }

  function value(label, text) {
    return h("Div", { className: "host-value" }, [
      h("Span", { className: "host-value-label" }, label),
      h("Span", { className: "host-value-number" }, text),
    ]);
  }

  /* "2 critical" (or "1 critical +1") linking to the alerts page of the host, every count in
   * its tooltip and accessible name; null without firing alerts. */
  function alertMark(host, mark) {
    if (!mark) { return null; }
    const label = mark.detail + " firing on " + host + ": open its alerts";
    return h("A", {
      href: root.monitorFiring.alertsHref(host),
      className: "host-alerts sev-" + (mark.worst || "none"),
      "data-count": String(mark.count),
      title: label,
      "aria-label": label,
    }, mark.text);
  }

  function tile(host, own, color, mark) {
    const F = fmt();
    const down = !host.reporting;
    // a host known from the database alone: "stored 2 min ago" (the tooltip says why)
    const status = (down ? "not reporting" : "reporting")
      + (host.live === false ? " · stored " : " · last sample ") + age(host.age_s);
    const name = [h("A", {
      href: "./?host=" + encodeURIComponent(host.host),
      className: "host-name host-link",
      title: "Open the live view of " + host.host,
    }, host.host)];
    if (host.host === own) { name.push(h("Span", { className: "host-own" }, "this server")); }
    const flag = alertMark(host.host, mark);
    if (flag) { name.push(flag); }
    const spark = sparkline(host.spark || [], color);
    return h("Div", {
      className: "host-tile" + (down ? " host-down" : "") +
        (mark ? " host-alerting sev-" + (mark.worst || "none") : ""),
      "data-host": host.host,
    }, [
      h("Div", { className: "host-tile-head" }, name),
      h("Div", {
        className: "host-status",
        title: host.live === false
          ? "Known from the database: its live samples do not reach this server" : status,
      }, status),
      h("Div", { className: "host-values" }, [
        value("CPU", F.pct(host.cpu)),
        value("Memory", F.pct(host.memory)),
        value("Fullest disk", F.pct(host.disk_full)),
        value("Disk I/O", F.rate(host.disk_bps)),
        value("Network", F.rate(host.net_bps)),
      ]),
      spark
        ? h("Img", {
          className: "host-spark", src: spark, alt: "CPU of " + host.host + ", recent minutes",
        })
        : h("Div", { className: "host-spark" }),
    ]);
  }

  /* "1,000 hosts · 3 not reporting · 2 with firing alerts" over the whole fleet; with a
   * search, how many of them match it. */
  function summary(body, marks) {
    const F = fmt();
    const count = (n, one) => F.count(n) + (n === 1 ? " " + one : " " + one + "s");
    let line = count(body.total, "host");
    line += body.down ? " · " + F.count(body.down) + " not reporting" : ", all reporting";
    const alerting = Object.keys(marks).length;
    if (alerting) { line += " · " + F.count(alerting) + " with firing alerts"; }
    if (view.search) { line += " · " + F.count(body.matched) + " match \u201c" + view.search + "\u201d"; }
    return line;
  }

  /* "61–120 of 1,000" (nothing when one page holds them all). */
  function pager(body) {
    if (body.pages <= 1) { return ""; }
    const F = fmt();
    const first = (body.page - 1) * body.per_page + 1;
    const last = Math.min(body.matched, body.page * body.per_page);
    return F.count(first) + "\u2013" + F.count(last) + " of " + F.count(body.matched);
  }

  /* The first page was asked for from the page's head (overview-early.js), before Dash's
   * renderer loaded; the first read of it takes that answer. */
  const FIRST_PAGE = "api/v1/overview?sort=name&page=1";
  let earlyTaken = false;

  /* The early answer for the first read of the first page, once; null otherwise (the head's
   * script is async: it may run before or after this one). */
  function takeEarly(url) {
    const early = root.monitorOverviewEarly;
    if (earlyTaken || url !== FIRST_PAGE || !early || early.url !== url) { return null; }
    earlyTaken = true;
    return early.response;
  }

  /* What the page asks for; a new search or order starts again at page 1. */
  const view = { search: "", sort: "name", page: 1, pages: 1, changes: 0, reading: 0,
    drawn: false };

  function follow(search, sort) {
    const trigger = ((root.dash_clientside.callback_context || {}).triggered || [])
      .map((t) => t.prop_id.split(".")[0]);
    const wanted = (search || "").trim();
    const page = view.page;
    if (wanted !== view.search || (sort || "name") !== view.sort) {
      view.search = wanted;
      view.sort = sort || "name";
      view.page = 1;
      view.changes += 1;
    } else if (trigger.includes("overview-prev")) {
      view.page = Math.max(1, view.page - 1);
    } else if (trigger.includes("overview-next")) {
      view.page = Math.min(view.pages, view.page + 1);
    }
    if (view.page !== page) { view.changes += 1; }
    const query = new URLSearchParams({ sort: view.sort, page: String(view.page) });
    if (view.search) { query.set("q", view.search); }
    return "api/v1/overview?" + query.toString();
  }

  /* What a page of the overview draws: [tiles, summary line, pager, previous disabled, next
   * disabled]. */
  function drawn(body, cfg) {
    const hosts = body.hosts || [];
    const edges = [pager(body), body.page <= 1, body.page >= body.pages];
    if (!hosts.length) {
      const empty = body.total ? "No host matches \u201c" + view.search + "\u201d."
        : "No host has reported yet.";
      const line = body.total ? summary(body, alerts.marks) : "";
      return [h("P", { className: "overview-empty" }, empty), line, ...edges];
    }
    const color = cssColor("--accent", "#2f6fde");
    const own = cfg && cfg.host;
    const tiles = hosts.map((host) => tile(host, own, color, alerts.marks[host.host]));
    return [tiles, summary(body, alerts.marks), ...edges];
  }

  /* Reads the page `url` and draws it with set_props. An answer to a view left since (a
   * poll sent before a search, an order or a page turn) neither draws nor moves the page; a
   * failed read leaves everything as it is. */
  async function refresh(url, cfg) {
    const asked = view.changes;
    view.reading += 1;
    let body;
    try {
      const response = await (takeEarly(url) || fetch(url, { cache: "no-store" }));
      body = response.ok ? await response.json() : null;
    } catch (_error) {
      body = null;
    } finally {
      view.reading -= 1;
    }
    if (!body || asked !== view.changes) { return; }
    view.page = body.page; // the server keeps it inside the pages there are
    view.pages = body.pages;
    const set = root.dash_clientside.set_props;
    const [tiles, line, pages, first, last] = drawn(body, cfg);
    const grid = document.getElementById(cfg.gridId);
    if (!grid) { return; } // the page was left
    nodes().patchChildren(document, grid, tiles); // not Dash's: see render
    if (!view.drawn) { set(cfg.waitingId, { style: { display: "none" } }); }
    view.drawn = true;
    set(cfg.summaryId, { children: line });
    set(cfg.pagerId, { children: pages });
    set(cfg.prevId, { disabled: first });
    set(cfg.nextId, { disabled: last });
  }

  /* Callback: a poll tick, a search, an order or a page turn. It returns at once and the
   * read draws when it comes (refresh). The tiles are drawn into the grid as DOM nodes patched
   * in place (page-nodes.js: a focused tile keeps its focus), not as Dash's children: Dash's
   * renderer took 1.7 s to lay out a page of 60 tiles (about 1,200 components) here, more
   * than a poll interval, and a newer call of a callback supersedes one still running, so a
   * fleet's page never showed. A poll while a read is on its way is skipped; a new view reads
   * at once. The header's host name is set to this server's (the live page may have named
   * another). */
  function render(_n, search, sort, _previous, _next, cfg) {
    const noUpdate = root.dash_clientside.no_update;
    if (!cfg) { return noUpdate; }
    readAlerts();
    const before = view.changes;
    const url = follow(search, sort);
    if (view.reading && view.changes === before) { return noUpdate; }
    const header = document.getElementById(cfg.hostnameId);
    if (header && header.textContent !== cfg.host) { // this server, not a host the live page
      root.dash_clientside.set_props(cfg.hostnameId, { children: cfg.host }); // followed
    }
    refresh(url, cfg);
    return noUpdate;
  }

  root.dash_clientside = Object.assign({}, root.dash_clientside, {
    overview: { render: render, refresh: refresh },
  });
})(typeof window !== "undefined" ? window : globalThis);
