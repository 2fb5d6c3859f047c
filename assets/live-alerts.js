/* The live page's alert banner (app/pages/live_alerts.py): the followed host's firing alerts at
 * the top of the page, drawn into an empty Dash div (plain DOM, as the process table):
 * monitorLive.alerts, and the callback dash_clientside.liveAlerts.poll.
 *
 * The callback runs on the banner's own clock (every few seconds) and when the page's socket
 * opens or closes; live.js hands it each new whole sample of the followed host (`heard`). When
 * GET api/v1/alerts is read is live-alerts-schedule.js's: at start, on the socket's opens and
 * closes, when the samples' health.alerts_rev changes, once a minute, and every few seconds
 * while no sample says a revision. A change of the followed host (the URL's host=,
 * live-hosts.js) redraws from what was read. The API gives the open alerts of every host; the
 * rules (their words and units) are read once a minute. Each alert is one line kept by
 * key, severity as a word and a colour, with an Acknowledge button that posts JSON with a
 * same-origin fetch (its Origin passes app/guard/csrf.py). A failed read keeps the lines and
 * says since when they are not fresh; nothing fires: the root is empty (CSS hides it). The
 * words are alerts-firing.js and alerts.js. */
(function (root) {
  "use strict";

  const live = (root.monitorLive = root.monitorLive || {});
  const F = () => root.monitorFiring;
  const M = () => root.monitorAlerts;
  const Schedule = () => live.alertSchedule.AlertSchedule;
  // the open alerts; the API lists events too, and these ask for none (at most one)
  const OPEN_QUERY = "api/v1/alerts?kind=firing&since=now&limit=1";
  const nowS = () => Date.now() / 1000;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function setText(node, text) {
    if (node.textContent !== text) { node.textContent = text; }
    node.hidden = !text;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    let answer = {};
    try { answer = await response.json(); } catch (_error) { answer = {}; }
    if (!response.ok) { throw new Error(answer.error || "HTTP " + response.status); }
    return answer;
  }

  class Banner {
    constructor(cfg, clock) {
      this.cfg = cfg;
      this.clock = clock || (() => performance.now()); // ms, the callbacks' clock
      this.alerts = new live.api.Fetcher();
      this.schedule = new (Schedule())(cfg.everyMs, cfg.safetyMs);
      this.heardSample = null; // the newest whole sample handed to `heard`
      this.rules = new live.api.Fetcher();
      this.body = null;
      this.rulesBody = null;
      this.okAt = null; // epoch seconds of the last answer
      this.root = null;
      this.parts = null;
      this.lines = new Map(); // key -> li
      this.acks = new Map(); // key -> {by, at, since}: acknowledged here, until the API says so
    }

    host() {
      return (live.hosts && live.hosts.urlHost(window.location.search)) || this.cfg.host;
    }

    /* A new whole sample of the followed host (live.js): a new revision reads at once. */
    heard(sample, t) {
      if (!sample || sample === this.heardSample) { return; }
      this.heardSample = sample;
      const rev = sample.health && sample.health.alerts_rev;
      if (typeof rev !== "number") { return; }
      this.schedule.sample(rev, t);
      this.read(t);
    }

    /* Reads the alerts when the schedule says they are due. */
    read(t) {
      const schedule = this.schedule;
      if (!schedule.due(t, this.alerts.busy)) { return; }
      const url = live.api.prefix(document) + OPEN_QUERY;
      const started = this.alerts.maybe(t, 0, url, 2 * this.cfg.everyMs, (text) => {
        this.body = JSON.parse(text);
        this.okAt = nowS();
        schedule.answered(this.clock(), this.body.revision);
        this.draw();
        return true;
      });
      if (started) { schedule.started(t); }
    }

    /* Reads what is due (`force`: the alerts now, unless read within MIN_GAP_MS), redraws. */
    poll(t, force) {
      const cfg = this.cfg;
      const every = cfg.everyMs * 0.8; // the clock's ticks are not exact
      if (force) { this.schedule.force(); }
      this.read(t);
      const prefix = live.api.prefix(document);
      const rulesEvery = this.rulesBody ? cfg.rulesEveryMs : every;
      this.rules.maybe(t, rulesEvery, prefix + "api/v1/alerts/rules", 2 * cfg.everyMs, (text) => {
        this.rulesBody = JSON.parse(text);
        this.draw();
        return true;
      });
      this.draw();
    }

    attach(container) {
      const p = {
        section: el("section", "alert-banner"),
        title: el("strong", "alert-banner-title"),
        others: el("span", "alert-banner-others"),
        stale: el("span", "alert-banner-stale"),
        link: el("a", "alert-banner-link", "All alerts"),
        list: el("ul", "alert-banner-list"),
        more: el("a", "alert-banner-more"),
      };
      p.section.setAttribute("aria-label", "Firing alerts");
      p.title.setAttribute("aria-live", "polite");
      p.link.href = F().alertsHref("");
      const head = el("div", "alert-banner-head");
      head.append(p.title, p.others, p.stale, p.link);
      p.section.append(head, p.list, p.more);
      p.section.addEventListener("click", (event) => this.onClick(event));
      this.root = container;
      this.parts = p;
      this.lines.clear();
    }

    draw() {
      const container = document.getElementById(this.cfg.rootId);
      if (!container) { return; }
      if (container !== this.root) { this.attach(container); }
      const now = nowS();
      const view = this.body && F().bannerView(this.body, this.rulesBody, this.host(), now,
        this.cfg.maxLines);
      if (!view || (!view.total && !view.others)) {
        if (container.firstChild) { container.replaceChildren(); }
        return;
      }
      const p = this.parts;
      p.section.className = "alert-banner " + (view.total ? "sev-" + (view.worst || "none")
        : "alert-banner--elsewhere");
      setText(p.title, F().headline(view));
      setText(p.others, F().othersText(view));
      const stale = this.okAt !== null && this.schedule.stale(this.clock());
      setText(p.stale, stale ? "not refreshed since " + F().clockText(this.okAt, now) : "");
      this.drawLines(view.rows, now);
      setText(p.more, view.more ? view.more + " more on the alerts page" : "");
      p.more.href = F().alertsHref(view.host);
      if (container.firstChild !== p.section) { container.replaceChildren(p.section); }
    }

    drawLines(rows, now) {
      const keys = new Set(rows.map((r) => r.key));
      for (const key of Array.from(this.lines.keys())) {
        if (!keys.has(key)) { this.lines.delete(key); this.acks.delete(key); }
      }
      const items = rows.map((r) => this.line(this.withAck(r), now));
      const list = this.parts.list;
      const same = items.length === list.children.length &&
        items.every((item, i) => list.children[i] === item);
      if (!same) { list.replaceChildren(...items); } // only then: a focused button keeps focus
    }

    /* The row, acknowledged when it was here and the API does not say so yet. */
    withAck(r) {
      const mine = this.acks.get(r.key);
      if (r.acked || !mine || mine.since !== r.since) {
        if (r.acked) { this.acks.delete(r.key); }
        return r;
      }
      return Object.assign({}, r, { acked: true, ackedBy: mine.by, ackedAt: mine.at });
    }

    line(r, now) {
      let li = this.lines.get(r.key);
      if (!li) {
        li = el("li");
        for (const part of ["sev", "title", "series", "value", "since", "note"]) {
          li.appendChild(el("span", "alert-line-" + part));
        }
        const actions = el("span", "alert-line-actions");
        const button = el("button", "button alert-line-ack", "Acknowledge");
        button.type = "button";
        const msg = el("span", "alert-line-msg");
        msg.setAttribute("role", "status");
        actions.append(button, msg);
        li.appendChild(actions);
        this.lines.set(r.key, li);
      }
      li.className = "alert-line sev-" + (r.severity || "none") + " state-" + r.state;
      Object.assign(li.dataset, { key: r.key, rule: r.rule, host: r.host, series: r.series,
        state: r.state, since: String(r.since), acked: r.acked ? "true" : "false" });
      const part = (name) => li.querySelector(".alert-line-" + name);
      setText(part("sev"), M().severityLabel(r.severity));
      setText(part("title"), r.title);
      setText(part("series"), r.seriesShown);
      setText(part("value"), M().valueText(r));
      setText(part("since"), F().sinceLine(r.since, now));
      setText(part("note"), F().noteText(r, now));
      part("ack").hidden = r.acked;
      return li;
    }

    /* Its links are plain anchors: the live page is not a Dash page, the alerts page loads. */
    onClick(event) {
      const button = event.target.closest(".alert-line-ack");
      if (button && !button.disabled) { this.acknowledge(button, button.closest(".alert-line")); }
    }

    async acknowledge(button, li) {
      const d = li.dataset;
      const msg = li.querySelector(".alert-line-msg");
      button.disabled = true;
      msg.textContent = "";
      try {
        const answer = await post(live.api.prefix(document) + "api/v1/alerts/acknowledge",
          { rule: d.rule, host: d.host, series: d.series, note: "" });
        this.acks.set(d.key, { by: answer.by || "", at: nowS(), since: Number(d.since) });
        this.poll(performance.now(), true);
      } catch (error) {
        msg.textContent = "Not acknowledged: " + String(error.message || error);
      } finally {
        button.disabled = false;
      }
    }
  }

  let B = null;

  /* Callback: the banner's clock, the socket's store -> nothing (the banner draws itself). A
   * new page rendering (cfg.mount) starts a new banner. */
  function poll(_n, _socketEvents, cfg) {
    if (!cfg || typeof document === "undefined") { return; }
    if (!B || B.cfg.mount !== cfg.mount) { B = new Banner(cfg); }
    const triggered = (root.dash_clientside.callback_context || {}).triggered || [];
    const socket = triggered.some((x) => String(x.prop_id).startsWith(cfg.socketId + "."));
    B.poll(performance.now(), socket);
  }

  if (typeof window !== "undefined" && window.addEventListener) {
    // the host picker replaces the URL's host= and says so (live-hosts.js); back and forward
    const redraw = () => { if (B) { B.draw(); } };
    window.addEventListener("_dashprivate_pushstate", redraw);
    window.addEventListener("popstate", redraw);
  }

  /* The followed host's newest whole sample (live.js's render, after each new sample). */
  function heard(sample) {
    if (B) { B.heard(sample, performance.now()); }
  }

  live.alerts = { Banner, banner: () => B, heard };
  root.dash_clientside = Object.assign({}, root.dash_clientside, { liveAlerts: { poll: poll } });
  if (typeof module !== "undefined" && module.exports) { module.exports = live.alerts; }
})(typeof window !== "undefined" ? window : globalThis);
