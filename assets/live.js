/* The live page's browser side: the entry that wires the modules (layout and callbacks:
 * app/pages/live.py; protocol: docs/websocket.md). Assets load in file-name order, so every
 * live-*.js has registered into window.monitorLive before this file (read in its callbacks).
 *
 *   live-socket.js    the metrics socket and the inbox of its frames
 *   live-link.js      the connection state machine (backoff, jitter) and the badge's text
 *   live-api.js       server urls (Dash's path prefix), fetching
 *   live-hosts.js     the followed host (?host=) and the host picker
 *   live-samples.js   samples of the followed host: dedupe by ts (seq), gaps, its interval
 *   live-fill.js      the windows' older part from the history API, stitched to the buffer
 *   live-graphs.js    when to send whole figures and when to extend them
 *   live-figures.js   what the figures are
 *   live-panels.js    cards and the health panel
 *   live-table.js     the process table; live-workloads.js containers and services (live-rows.js)
 *
 * Two clientside callbacks share one mount object per page rendering (cfg.mount):
 *   live.connection  runs on the socket's open and close and on a short clock tick: opens and
 *                    reopens the socket (backoff, ?since= for gap-free catch-up), polls
 *                    /api/v1/latest while it cannot open, keeps the host list fresh, words the
 *                    status badge and how old the cards are (dimmed while stale).
 *   live.render      runs when the inbox has frames, and on pause, window and filter changes:
 *                    draws the new samples and fills cards, tables and health panel;
 *                    asks the history API for what a window needs before the buffer. */
(function (root) {
  "use strict";

  const live = (root.monitorLive = root.monitorLive || {});
  const noUpdate = () => root.dash_clientside.no_update;
  const preventUpdate = () => root.dash_clientside.PreventUpdate;
  const setProps = (id, props) => root.dash_clientside.set_props(id, props);
  const now = () => performance.now();

  let S = null; // the current page mount

  function fresh(cfg) {
    const s = {
      cfg: cfg,
      inbox: new live.socket.Inbox(),
      link: live.link.initial(now()),
      poller: new live.api.Fetcher(now),
      hostList: new live.hosts.HostList(new live.api.Fetcher(now)),
      picker: null,
      table: null,
      workloads: null,
      samples: null,
      windowMin: cfg.windows[0],
      paused: false,
      pauseClicks: 0,
      emptyView: false, // render empties graphs, cards and health (after a host switch)
      announced: false, // render has been asked to show the followed host
      shownStatus: [null, null, null, null],
      filler: new live.fill.Reader(now),
      sent: {}, // output name -> the text last sent (unchanged text is not sent again)
      kicks: 0, // the inbox store's data: render runs when it changes
      socketEvents: 0, // the socket store's data: connection runs when it changes
    };
    s.samples = followed(s, live.hosts.urlHost(window.location.search) || cfg.host, cfg.interval);
    s.socket = new live.socket.MetricsSocket({
      inbox: s.inbox,
      alive: () => onPage(s),
      onFrames: () => kick(s),
      onState: (readyState, code) => socketState(s, readyState, code),
    });
    s.graphs = new live.graphs.Graphs(cfg, () => ({
      host: s.samples.host,
      windowS: s.windowMin * 60,
      interval: s.samples.interval,
      limit: s.samples.limit(),
      active: onPage(s) && !s.paused,
    }));
    s.panels = new live.panels.Panels(cfg);
    return s;
  }

  function followed(s, host, interval) {
    const F = live.figures;
    const buffer = [s.cfg.bufferMinutes]; // wider windows read the rest from the database
    return new live.samples.SampleLog(host, interval, buffer, (x) => F.toPoint(x), now);
  }

  /* Whether `s` is the mount the document shows (its elements are on the page). */
  function onPage(s) {
    return S === s && document.getElementById(s.cfg.ids.hostPicker) !== null;
  }

  /* The mount of `cfg`: a new page rendering starts afresh and closes the old one's socket. */
  function ensure(cfg) {
    if (!S || S.cfg.mount !== cfg.mount) {
      if (S) { S.socket.close(); }
      S = fresh(cfg);
    }
    return S;
  }

  /* Runs render (through the store it watches), off the current callback. */
  function kick(s) {
    if (!onPage(s)) { return; }
    s.kicks += 1;
    setProps(s.cfg.ids.inbox, { data: s.kicks });
  }

  function socketState(s, readyState, code) {
    if (!onPage(s)) { return; }
    const L = live.link;
    const t = now();
    const open = readyState === live.socket.OPEN;
    s.link = open ? L.opened(s.link, t) : L.closed(s.link, t, s.cfg, undefined, code);
    if (open) { s.hostList.soon(); } // hosts may have come or gone while it was closed
    s.socketEvents += 1;
    setProps(s.cfg.ids.socket, { data: s.socketEvents });
  }

  /* A new socket for the followed host (the link has just counted it). */
  function openSocket(s) {
    const A = live.api;
    const url = A.socketUrl(window.location, A.prefix(document), s.cfg.path, {
      host: s.samples.host, since: s.samples.lastTs, r: s.link.connects,
    });
    const early = live.early; // opened when the scripts loaded: the backlog is under way
    live.early = null;
    if (early && early.usable(s.samples.host) && s.samples.lastTs === null) {
      s.socket.adopt(early);
      return;
    }
    if (early) { early.close(); }
    s.socket.open(url);
  }

  function env(s) {
    return {
      cfg: s.cfg,
      interval: s.samples.interval,
      lastFrameAt: s.socket.lastFrameAt,
      lastPollOkAt: s.poller.okAt,
    };
  }

  /* One GET /api/v1/latest per interval while polling; the sample joins the inbox. */
  function poll(s, t) {
    const host = s.samples.host;
    const interval = s.samples.interval;
    const url = live.api.latestUrl(live.api.prefix(document), host);
    s.poller.maybe(t, interval * 1000, url, Math.max(2000, interval * 2000), (text) => {
      if (S !== s || !s.link.polling || s.samples.host !== host) { return false; }
      s.inbox.push(text);
      kick(s);
      return true;
    });
  }

  function setPaused(s, nClicks) {
    s.pauseClicks = nClicks || 0;
    s.paused = s.pauseClicks % 2 === 1;
  }

  function hostPicker(s) {
    s.picker = live.hosts.attachPicker(s.picker, s.cfg.ids.hostPicker,
      (host) => follow(s, host, true), () => s.hostList.soon(), s.hostList.hosts, s.samples.host);
  }

  /* Reads what the window needs before the buffer from the database (live-fill.js). */
  function fill(s) {
    const host = s.samples.host;
    s.filler.maybe(s.graphs, host, s.samples.interval, live.api.prefix(document),
      () => S === s && s.samples.host === host, () => kick(s));
  }

  /* Callback: socket events, clock tick, pause clicks -> the status badge, how old the cards
   * are (toolbar text) and the cards' class (dimmed while stale). */
  function connection(_socketEvents, _tick, nClicks, cfg) {
    if (!cfg) { throw preventUpdate(); }
    const s = ensure(cfg);
    const t = now();
    setPaused(s, nClicks);
    hostPicker(s);
    const showHosts = () => { if (s.picker) { s.picker.show(s.hostList.hosts, s.samples.host); } };
    s.hostList.refresh(t, live.api.hostsUrl(live.api.prefix(document)), cfg.hostsEveryMs,
      s.samples.lastTs === null ? null : s.samples.host, () => S === s, showHosts);
    if (!s.announced) {
      s.announced = true;
      setTimeout(() => kick(s), 0); // render shows the followed host before its first sample
    }
    const step = live.link.tick(s.link, t, env(s));
    s.link = step.link;
    if (step.connect) { openSocket(s); }
    if (s.link.polling) { poll(s, t); }
    const [text, cls] = live.link.badge(s.link, t, env(s), s.paused, s.samples.pending.length);
    const kind = s.paused ? "paused" : live.link.status(s.link, t, env(s))[1];
    // frames waiting in the inbox count: the cards are as old as what came, not what was drawn
    const heard = Math.max(s.samples.shownAt || 0, s.socket.lastFrameAt || 0, s.poller.okAt);
    const age = live.panels.age(s.samples.shown, heard, t,
      s.samples.interval, cfg.staleIntervals, kind);
    const shown = [text, cls, age.text, age.className];
    if (shown.every((v, i) => v === s.shownStatus[i])) { throw preventUpdate(); }
    const result = shown.map((v, i) => (v === s.shownStatus[i] ? noUpdate() : v));
    s.shownStatus = shown;
    return result;
  }

  /* Follows `host` from now on: the URL names it, the view is emptied (render sends empty
   * graphs, cards and health), the socket is reopened with its host= filter at once (no
   * since=, so its whole backlog comes), and a paused view resumes. */
  function follow(s, host, updateUrl) {
    if (!host || host === s.samples.host) { return; }
    s.samples = followed(s, host, s.hostList.intervalOf(host, s.cfg.interval));
    s.graphs.reset();
    s.panels.reset();
    s.sent = {};
    s.inbox.clear();
    for (const table of [s.table, s.workloads]) { if (table) { table.clear(); } }
    if (updateUrl) { live.hosts.writeUrlHost(host); }
    if (s.picker) { s.picker.show(s.hostList.hosts, host); }
    s.emptyView = true;
    s.link = live.link.restart(s.link, now());
    openSocket(s); // closes the old socket first
    if (s.paused) { setProps(s.cfg.ids.pause, { n_clicks: s.pauseClicks + 1 }); }
    kick(s);
  }

  /* The callback's outputs in order; texts equal to those last sent are left alone. */
  function outputs(s, out) {
    for (const name of Object.keys(out)) {
      if (typeof out[name] !== "string") { continue; }
      if (s.sent[name] === out[name]) { delete out[name]; } else { s.sent[name] = out[name]; }
    }
    if (!Object.keys(out).length) { throw preventUpdate(); }
    return s.cfg.outputs.map((name) => (name in out ? out[name] : noUpdate()));
  }

  /* Callback: the inbox, pause, window and filter -> graphs, cards, health, host name. */
  function render(_kicks, nClicks, windowMin, filter, cfg) {
    if (!cfg) { throw preventUpdate(); }
    const s = ensure(cfg);
    const out = { host: s.samples.host };
    if (s.emptyView) {
      s.emptyView = false;
      s.graphs.empty(out);
      s.panels.empty(s.samples.interval, out);
    }
    if (s.samples.receive(s.inbox.take()) && live.alerts) { live.alerts.heard(s.samples.received); }
    setPaused(s, nClicks);
    out.pause = s.paused ? "Resume" : "Pause";
    if (windowMin && windowMin !== s.windowMin) {
      s.windowMin = windowMin;
      s.graphs.redrawAll = true;
    }
    s.table = live.table.attach(s.table, s.cfg.ids.procTable);
    s.workloads = live.workloads.attach(s.workloads, s.cfg);
    if (!s.paused) {
      const points = s.samples.take();
      if (s.workloads) { s.workloads.record(points); }
      s.graphs.draw(points, out);
      fill(s);
      const sample = s.samples.unseen();
      if (sample) {
        s.panels.show(sample, s.samples.interval, out);
        if (s.table) { s.table.render(sample, filter); }
        if (s.workloads) { s.workloads.render(sample); }
      }
    }
    if (s.table && (filter || "") !== s.table.filter) { s.table.render(undefined, filter); }
    return outputs(s, out);
  }

  if (typeof window !== "undefined" && typeof document !== "undefined") {
    live.early = live.socket.openEarly(window, document, live.api, live.hosts);
    // leaving the page (a link to a Dash page is a full load) closes the socket at once
    window.addEventListener("pagehide", () => { if (S) { S.socket.close(); } });
    window.addEventListener("popstate", () => {
      // back/forward between two URLs of the live page that differ in ?host= only: the router
      // renders nothing (same pathname), so the page follows the URL's host itself
      if (S && document.getElementById(S.cfg.ids.hostPicker)) {
        follow(S, live.hosts.urlHost(window.location.search) || S.cfg.host, false);
      }
    });
    // a new theme (the system's, or the header's toggle: dashboard.js): every figure is
    // redrawn in its colours at once, not at the next sample (none may come: an outage)
    const retheme = () => {
      if (!S) { return; }
      S.graphs.redrawAll = true;
      kick(S);
    };
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", retheme);
    }
    window.addEventListener("monitor-theme", retheme);
    document.addEventListener("visibilitychange", () => {
      if (S && !document.hidden && !S.paused) { S.graphs.flush(); }
    });
  }

  /* For tests and debugging in the console. */
  live.state = () => S;
  live.pendingFrames = () => (S ? S.inbox.length : 0);
  live.follow = (host) => { if (S) { follow(S, host, true); } };

  root.dash_clientside = Object.assign({}, root.dash_clientside, {
    live: { connection: connection, render: render },
  });
})(typeof window !== "undefined" ? window : globalThis);
