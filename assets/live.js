/* The live page's browser side (layout and callbacks: app/pages/live.py; protocol:
 * docs/websocket.md). Figures: live-figures.js; process table: live-table.js.
 *
 * Two clientside callbacks share one state object per page mount:
 *   live.connection  runs on the socket's state changes and on a short clock tick: it opens
 *                    and reopens the socket (by changing the WebSocket component's url, with
 *                    exponential backoff and jitter, and ?since= for gap-free catch-up), polls
 *                    /api/v1/latest while the socket cannot open, and words the status badge.
 *   live.render      runs when frames arrive, and on pause, window and filter changes: it
 *                    appends new samples (deduplicated by ts) to the graphs and fills the
 *                    cards, the process table and the health panel.
 *
 * The page follows one host: ?host= of the page URL, else the server's own (cfg.host). The host
 * picker (a <select> this file owns, filled from /api/v1/hosts every few intervals) switches
 * host in place: follow() replaces ?host= in the URL (history.replaceState, then Dash's own
 * _dashprivate_pushstate event so dcc.Location's props match the URL again; the pathname is
 * unchanged, so the router renders nothing), empties the view and reopens the socket with the
 * new host= filter; the new host's backlog then fills the graphs. Cadence-dependent limits
 * (stale badge, window length, polling) use the followed host's interval, read from each
 * sample's health.interval_s.
 *
 * Two adaptations make this hold up under bursts (the backlog is hundreds of frames at once):
 *  - Frames: every frame of the metrics socket is recorded, in order, in `inbox`, and the
 *    WebSocket component's own message handler is called at most once per FRAME_BATCH_MS with
 *    the latest frame. render drains the inbox, so no frame is lost however Dash batches prop
 *    changes, and Dash runs one callback per batch instead of one per frame.
 *  - Graphs: a whole figure (first draw, window change, catch-up after a pause, a new sensor)
 *    goes through the dcc.Graph `figure` prop; each tick's new points are appended with
 *    Plotly.extendTraces on the graph, once the graph shows that figure. dcc.Graph's
 *    `extendData` prop is not used: when updates arrive faster than it redraws it applies one
 *    twice or drops one (its queue is cleared only after the redraw), which breaks a gap-free,
 *    duplicate-free series. */
(function () {
  "use strict";

  const METRICS_PATH = "/ws/metrics";
  const FRAME_BATCH_MS = 16; // the component's message prop changes at most this often
  const CONNECT_TIMEOUT_MS = 10000;
  const SILENCE_MIN_MS = 20000; // an open socket silent this long (and 10 intervals) is reopened
  const REBUILD_AFTER = 60; // more waiting points than this: send the whole figure instead
  const FLUSH_RETRY_MS = 100; // how soon points for a graph that was not ready are retried
  const HOSTS_MIN_MS = 1000; // the host list is re-read at most this often

  const fmt = () => window.monitorFormat;
  const figures = () => window.monitorLiveFigures;
  const noUpdate = () => window.dash_clientside.no_update;
  const preventUpdate = () => window.dash_clientside.PreventUpdate;
  const now = () => performance.now();

  /* ---- every frame of the metrics socket, in arrival order ---- */

  const inbox = [];
  let lastFrameAt = 0;
  const NativeWebSocket = window.WebSocket;

  /* A WebSocket that records the metrics socket's frames and batches its onmessage calls. */
  class RecordingWebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).indexOf(METRICS_PATH) === -1) { return; }
      let handler = null;
      let latest = null;
      let scheduled = false;
      const deliver = () => {
        scheduled = false;
        if (handler) { handler.call(this, latest); }
      };
      this.addEventListener("message", (event) => {
        inbox.push(event.data);
        lastFrameAt = now();
        latest = event;
        if (!scheduled) {
          scheduled = true;
          setTimeout(deliver, FRAME_BATCH_MS);
        }
      });
      Object.defineProperty(this, "onmessage", {
        configurable: true,
        get: () => handler,
        set: (fn) => { handler = typeof fn === "function" ? fn : null; },
      });
    }
  }
  window.WebSocket = RecordingWebSocket;

  /* ---- per-mount state ---- */

  let S = null;

  /* The host named by ?host= in the page URL, or null. */
  function urlHost() {
    return new URLSearchParams(window.location.search).get("host") || null;
  }

  function fresh(cfg) {
    const s = {
      cfg: cfg,
      host: urlHost() || cfg.host, // the followed host
      interval: cfg.interval, // the followed host's, once a sample says (health.interval_s)
      // connection
      phase: "idle", // idle | connecting | open | waiting
      phaseSince: now(),
      attempt: 0, // consecutive failures since the socket was last open
      nextTryAt: 0,
      stateKey: null,
      connects: 0,
      polling: false,
      pollBusy: false,
      nextPollAt: 0,
      lastPollOkAt: -Infinity,
      polledSeq: 0,
      shownStatus: [null, null],
      // host list and picker
      hosts: [], // /api/v1/hosts entries, newest answer
      hostsBusy: false,
      nextHostsAt: 0,
      picker: null,
      announced: false, // render has been asked to show the followed host
      // view
      paused: false,
      pauseClicks: 0,
      windowMin: cfg.windows[0],
      filter: "",
      figureSeq: 0,
      flushTimer: null,
      table: null,
      emptyView: false, // render empties graphs, cards and health (after a host switch)
    };
    resetData(s);
    return s;
  }

  /* Forgets every sample of the followed host: what was received, drawn and sent. */
  function resetData(s) {
    s.lastTs = null; // newest ts received: dedupe and ?since=
    s.pending = []; // received points not drawn yet (paused, or between renders)
    s.received = null; // newest sample received
    s.history = []; // drawn points, oldest first, at most historyLimit(s)
    s.latest = null; // newest sample drawn
    s.structure = null;
    s.graphs = {}; // key -> {meta: the figure it was last sent, queue: points not drawn yet}
    s.redrawAll = false; // window or theme changed: every figure is sent again
    s.sent = {}; // output name -> the text last sent (unchanged text is not sent again)
    if (s.flushTimer) {
      clearTimeout(s.flushTimer);
      s.flushTimer = null;
    }
  }

  function ensure(cfg) {
    if (!S || S.cfg.mount !== cfg.mount) {
      S = fresh(cfg);
      inbox.length = 0;
    }
    return S;
  }

  /* Points kept: the widest window at the followed host's interval. */
  function historyLimit(s) {
    return Math.ceil((Math.max.apply(null, s.cfg.windows) * 60) / s.interval);
  }

  /* ---- connection ---- */

  function dashPrefix() {
    const el = document.getElementById("_dash-config");
    try {
      const prefix = JSON.parse(el.textContent).requests_pathname_prefix || "/";
      return prefix.endsWith("/") ? prefix : prefix + "/";
    } catch (_e) {
      return "/";
    }
  }

  /* ws(s)://<this host><Dash's path prefix>ws/metrics?host=..&since=..&r=<n> */
  function socketUrl(s) {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const query = [];
    if (s.host) { query.push("host=" + encodeURIComponent(s.host)); }
    if (s.lastTs !== null) { query.push("since=" + s.lastTs); }
    query.push("r=" + s.connects); // a new url each time: the component reconnects on change
    const path = dashPrefix() + s.cfg.path + "?" + query.join("&");
    return scheme + "//" + window.location.host + path;
  }

  /* Milliseconds before attempt `attempt` (1, 2, ...): doubling from the low bound, ±20 %
   * jitter (browsers of one outage do not come back in step), within [low, high]. */
  function backoffMs(attempt, cfg) {
    const [low, high] = cfg.backoff;
    const base = Math.min(high, low * Math.pow(2, attempt - 1));
    const jittered = base * (0.8 + 0.4 * Math.random());
    return Math.min(high, Math.max(low, jittered)) * 1000;
  }

  function connect(s, t) {
    s.connects += 1;
    s.phase = "connecting";
    s.phaseSince = t;
    return socketUrl(s);
  }

  function fail(s, t) {
    s.attempt += 1;
    s.phase = "waiting";
    s.phaseSince = t;
    s.nextTryAt = t + backoffMs(s.attempt, s.cfg);
    if (s.attempt >= s.cfg.pollAfterFailures) { s.polling = true; }
  }

  function onState(s, state, t) {
    if (!state) { return; }
    const key = state.readyState + ":" + (state.timeStamp || "");
    if (key === s.stateKey) { return; }
    s.stateKey = key;
    if (state.readyState === NativeWebSocket.OPEN) {
      s.phase = "open";
      s.phaseSince = t;
      s.attempt = 0;
      s.polling = false;
      lastFrameAt = Math.max(lastFrameAt, t);
    } else if (
      state.readyState === NativeWebSocket.CLOSED &&
      (s.phase === "connecting" || s.phase === "open")
    ) {
      fail(s, t);
    }
  }

  /* One GET /api/v1/latest per interval while polling; the sample joins the inbox. */
  function poll(s, t) {
    if (s.pollBusy || t < s.nextPollAt) { return; }
    s.pollBusy = true;
    s.nextPollAt = t + s.interval * 1000;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(2000, s.interval * 2000));
    const host = s.host;
    const query = host ? "?host=" + encodeURIComponent(host) : "";
    fetch(dashPrefix() + "api/v1/latest" + query, { cache: "no-store", signal: abort.signal })
      .then((response) => (response.ok ? response.text() : null))
      .then((text) => {
        if (text === null || S !== s || !s.polling || s.host !== host) { return; }
        inbox.push(text);
        s.lastPollOkAt = now();
        s.polledSeq += 1;
        window.dash_clientside.set_props(s.cfg.ids.polled, { data: s.polledSeq });
      })
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        s.pollBusy = false;
      });
  }

  function seconds(ms) {
    return Math.max(0, Math.ceil(ms / 1000));
  }

  function connectionStatus(s, t) {
    const intervalMs = s.interval * 1000;
    if (s.phase === "open") {
      const silent = t - lastFrameAt;
      if (silent > s.cfg.staleIntervals * intervalMs) {
        return ["Stale · no sample for " + seconds(silent) + " s", "stale"];
      }
      return ["Live", "live"];
    }
    const retry = s.phase === "waiting"
      ? "next try in " + seconds(s.nextTryAt - t) + " s"
      : "trying now";
    if (s.polling && t - s.lastPollOkAt < (s.cfg.staleIntervals + 1) * intervalMs) {
      return ["Polling · WebSocket unavailable, " + retry, "polling"];
    }
    if (s.phase === "waiting" || s.attempt > 0) {
      return ["Reconnecting · attempt " + (s.attempt + 1) + ", " + retry, "reconnecting"];
    }
    return ["Connecting…", "connecting"];
  }

  /* [text, class] of the status badge. */
  function status(s, t) {
    const [text, kind] = connectionStatus(s, t);
    if (!s.paused) { return [text, "status status--" + kind]; }
    const extra = kind === "live" ? "" : " · " + text;
    return ["Paused · " + s.pending.length + " new" + extra, "status status--paused"];
  }

  /* Callback: socket state, clock tick, pause clicks -> the socket's url and the badge; also
   * keeps the host picker's list fresh. */
  function connection(state, _tick, nClicks, cfg) {
    if (!cfg) { throw preventUpdate(); }
    const s = ensure(cfg);
    const t = now();
    s.pauseClicks = nClicks || 0;
    s.paused = s.pauseClicks % 2 === 1;
    onState(s, state, t);
    hostPicker(s);
    if (t >= s.nextHostsAt) { loadHosts(s, t); }
    if (!s.announced) {
      s.announced = true;
      setTimeout(() => kick(s), 0); // render shows the followed host before its first sample
    }
    let url = noUpdate();
    const silenceLimit = Math.max(SILENCE_MIN_MS, 10 * s.interval * 1000);
    if (s.phase === "idle" || (s.phase === "waiting" && t >= s.nextTryAt)) {
      url = connect(s, t);
    } else if (s.phase === "connecting" && t - s.phaseSince > CONNECT_TIMEOUT_MS) {
      fail(s, t);
    } else if (s.phase === "open" && t - lastFrameAt > silenceLimit) {
      url = connect(s, t); // a half-open connection: the browser would notice only much later
    }
    if (s.polling) { poll(s, t); }
    const [text, cls] = status(s, t);
    const changed = text !== s.shownStatus[0] || cls !== s.shownStatus[1];
    if (!changed && url === noUpdate()) { throw preventUpdate(); }
    s.shownStatus = [text, cls];
    return [url, changed ? text : noUpdate(), changed ? cls : noUpdate()];
  }

  /* ---- the followed host ---- */

  /* Runs render once more (through the store it watches), off the current callback. */
  function kick(s) {
    if (S !== s) { return; }
    s.polledSeq += 1;
    window.dash_clientside.set_props(s.cfg.ids.polled, { data: s.polledSeq });
  }

  /* Sets ?host= of the page URL without a new history entry, and tells dcc.Location (Dash's
   * router) the way dcc.Link does, so its search and href props match the URL; the pathname
   * is the same, so no page is rendered again. */
  function writeUrlHost(host) {
    const url = new URL(window.location.href);
    if (url.searchParams.get("host") === host) { return; }
    url.searchParams.set("host", host);
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  }

  /* Follows `host` from now on: the URL names it, the view is emptied (render sends empty
   * graphs, cards and health), the socket is reopened with its host= filter at once (no
   * since=, so its whole backlog comes), and a paused view resumes. */
  function follow(s, host, updateUrl) {
    if (!host || host === s.host) { return; }
    s.host = host;
    const known = s.hosts.find((entry) => entry.host === host);
    s.interval = (known && known.interval_s > 0 && known.interval_s) || s.cfg.interval;
    resetData(s);
    inbox.length = 0;
    if (s.table) { s.table.clear(); }
    if (updateUrl) { writeUrlHost(host); }
    if (s.picker) { s.picker.show(s.hosts, host); }
    s.emptyView = true;
    s.attempt = 0;
    s.polling = false;
    const set = window.dash_clientside.set_props;
    set(s.cfg.ids.ws, { url: connect(s, now()) }); // the component closes the old socket
    if (s.paused) { set(s.cfg.ids.pause, { n_clicks: s.pauseClicks + 1 }); }
    kick(s);
  }

  /* The picker, created in its (empty) container of the current page. */
  function hostPicker(s) {
    const container = document.getElementById(s.cfg.ids.hostPicker);
    if (!container) { return null; }
    if (!s.picker || s.picker.container !== container) {
      s.picker = new HostPicker(container, (host) => follow(s, host, true));
      s.picker.show(s.hosts, s.host);
    }
    return s.picker;
  }

  /* Re-reads /api/v1/hosts (every few intervals) into the picker; failures keep the list. */
  function loadHosts(s, t) {
    if (s.hostsBusy) { return; }
    s.hostsBusy = true;
    s.nextHostsAt = t + Math.max(HOSTS_MIN_MS, s.cfg.hostsEvery * s.cfg.interval * 1000);
    fetch(dashPrefix() + "api/v1/hosts", { cache: "no-store" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        if (!body || !Array.isArray(body.hosts) || S !== s) { return; }
        s.hosts = body.hosts;
        if (s.picker) { s.picker.show(s.hosts, s.host); }
      })
      .catch(() => undefined)
      .finally(() => { s.hostsBusy = false; });
  }

  /* A <select> of the known hosts; hosts not reporting are marked, and so is the picker
   * while the followed host is one of them. Options are rebuilt only when the list changes. */
  class HostPicker {
    constructor(container, onPick) {
      this.container = container;
      this.key = null;
      this.select = document.createElement("select");
      this.select.className = "host-select";
      this.select.setAttribute("aria-label", "Host");
      this.select.title = "Host shown on this page";
      this.select.addEventListener("change", () => onPick(this.select.value));
      container.replaceChildren(this.select);
    }

    show(hosts, current) {
      const list = hosts.map((h) => [String(h.host), h.reporting !== false]);
      if (!list.some(([name]) => name === current)) { list.push([current, null]); }
      const key = JSON.stringify([list, current]);
      if (key === this.key) { return; }
      this.key = key;
      this.select.replaceChildren.apply(this.select, list.map(([name, reporting]) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name + (reporting === false ? " · not reporting" : "");
        option.dataset.reporting = String(reporting);
        return option;
      }));
      this.select.value = current;
      const down = list.some(([name, reporting]) => name === current && reporting === false);
      this.select.classList.toggle("host-select--down", down);
    }
  }

  window.addEventListener("popstate", () => {
    // back/forward between two URLs of the live page that differ in ?host= only: the router
    // renders nothing (same pathname), so the page follows the URL's host itself
    if (S && document.getElementById(S.cfg.ids.hostPicker)) {
      follow(S, urlHost() || S.cfg.host, false);
    }
  });

  /* ---- samples ---- */

  /* Takes every recorded frame; keeps samples newer than the newest seen (no duplicates). */
  function receive(s) {
    for (const frame of inbox.splice(0, inbox.length)) {
      let sample;
      try {
        sample = JSON.parse(frame);
      } catch (_e) {
        continue;
      }
      if (!sample || typeof sample.ts !== "number") { continue; }
      if (s.host && sample.host && sample.host !== s.host) { continue; } // a previous host's
      if (s.lastTs !== null && sample.ts <= s.lastTs) { continue; }
      s.lastTs = sample.ts;
      s.received = sample;
      const interval = sample.health && sample.health.interval_s;
      if (typeof interval === "number" && interval > 0) { s.interval = interval; }
      s.pending.push(figures().toPoint(sample));
    }
    const limit = historyLimit(s);
    if (s.pending.length > limit) { s.pending.splice(0, s.pending.length - limit); }
  }

  /* ---- graphs ---- */

  function windowPoints(s) {
    return Math.ceil((s.windowMin * 60) / s.interval);
  }

  /* The graph's plot element once it shows the figure last sent to it (else null). */
  function readyGraph(s, key) {
    const holder = document.getElementById(s.cfg.ids.graphs[key]);
    const gd = holder && holder.querySelector(".js-plotly-plot");
    if (!gd || !window.Plotly || !gd.layout || gd.layout.meta !== s.graphs[key].meta) {
      return null;
    }
    return gd.classList.contains("dash-graph--pending") ? null : gd;
  }

  /* The whole figure of graph `key` (the history within the window), marked so that
   * readyGraph can tell when the graph shows it; empties the graph's queue. */
  function rebuild(s, key, theme) {
    const graph = s.graphs[key];
    const points = s.history.slice(-windowPoints(s));
    const figure = figures().buildFigure(key, points, s.structure, theme);
    s.figureSeq += 1;
    graph.meta = "live-" + s.figureSeq;
    figure.layout.meta = graph.meta;
    figure.layout.uirevision = "live:" + s.host; // zoom is kept, but not across hosts
    graph.queue = [];
    return figure;
  }

  /* Moves new points into the history and the graphs: whole figures when the window, the
   * host's shape or the theme changed, else into each graph's queue (see flushGraphs). */
  function draw(s, out) {
    const points = s.pending;
    s.pending = [];
    Array.prototype.push.apply(s.history, points);
    const limit = historyLimit(s);
    if (s.history.length > limit) { s.history.splice(0, s.history.length - limit); }
    if (!s.history.length) { return; }
    const F = figures();
    const structure = F.structureOf(s.history[s.history.length - 1]);
    const reshaped = !F.sameStructure(structure, s.structure);
    s.structure = structure;
    const all = s.redrawAll || reshaped;
    s.redrawAll = false;
    let theme = null;
    for (const key of Object.keys(s.cfg.ids.graphs)) {
      const graph = s.graphs[key] || (s.graphs[key] = { meta: null, queue: [] });
      if (all || graph.meta === null) {
        theme = theme || F.theme();
        out["figure:" + key] = rebuild(s, key, theme);
      } else {
        Array.prototype.push.apply(graph.queue, points);
      }
    }
    flushGraphs(s, (key, figure) => { out["figure:" + key] = figure; });
    if (reshaped) {
      out["panel:temp"] = structure.temps.length ? "panel" : "panel panel--hidden";
      out["panel:gpu"] = structure.gpus.length ? "panel" : "panel panel--hidden";
    }
  }

  /* Appends each graph's queued points once the graph shows its latest figure (a long queue
   * becomes a new figure, handed to `emit`). Graphs not ready yet are retried shortly, off
   * Dash's callback path; a hidden tab draws nothing until it shows again. */
  function flushGraphs(s, emit) {
    if (document.hidden) { return; }
    let waiting = false;
    for (const key of Object.keys(s.graphs)) {
      const graph = s.graphs[key];
      if (!graph.queue.length) { continue; }
      const gd = readyGraph(s, key);
      if (!gd) {
        waiting = true;
      } else if (graph.queue.length > REBUILD_AFTER) {
        emit(key, rebuild(s, key, figures().theme()));
      } else {
        const args = figures().extension(key, graph.queue, s.structure);
        graph.queue = [];
        if (args) { window.Plotly.extendTraces(gd, args[0], args[1], windowPoints(s)); }
      }
    }
    if (waiting && !s.flushTimer) {
      s.flushTimer = setTimeout(() => {
        s.flushTimer = null;
        if (S === s && !s.paused) { flushGraphs(s, setFigure(s)); }
      }, FLUSH_RETRY_MS);
    }
  }

  function setFigure(s) {
    return (key, figure) => {
      window.dash_clientside.set_props(s.cfg.ids.graphs[key], { figure: figure });
    };
  }

  /* ---- cards, health, processes ---- */

  function sum(a, b) {
    const num = figures().num;
    return num(a) === null && num(b) === null ? null : (num(a) || 0) + (num(b) || 0);
  }

  function cards(sample, out) {
    const F = fmt();
    const cpu = sample.cpu || {};
    const mem = sample.memory || {};
    const load = sample.load || {};
    const sys = sample.system || {};
    const disk = (sample.disks && sample.disks.total) || {};
    const net = (sample.network && sample.network.total) || {};
    const cores = sys.cores_logical || (cpu.per_core || []).length;
    const ghz = F.isNumber(cpu.freq_mhz) ? " · " + (cpu.freq_mhz / 1000).toFixed(2) + " GHz" : "";
    const swap = !!mem.swap_total;
    out["card:cpu"] = F.pct(cpu.total);
    out["detail:cpu"] = (cores ? cores + " cores" : "") + ghz;
    out["card:memory"] = F.pct(mem.percent);
    out["detail:memory"] = F.bytes(mem.used) + " of " + F.bytes(mem.total);
    out["card:swap"] = swap ? F.pct(mem.swap_percent) : "none";
    out["detail:swap"] = swap
      ? F.bytes(mem.swap_used) + " of " + F.bytes(mem.swap_total)
      : "no swap configured";
    out["card:load"] = F.number(load.load1);
    out["detail:load"] = "5m " + F.number(load.load5) + " · 15m " + F.number(load.load15);
    out["card:disk"] = F.rate(sum(disk.read_bps, disk.write_bps));
    out["detail:disk"] = "R " + F.rate(disk.read_bps) + " · W " + F.rate(disk.write_bps);
    out["card:net"] = F.rate(sum(net.rx_bps, net.tx_bps));
    out["detail:net"] = "↓ " + F.rate(net.rx_bps) + " · ↑ " + F.rate(net.tx_bps);
    out["card:uptime"] = F.duration(sys.uptime_s);
    out["detail:uptime"] = sys.os || "\u00a0";
    out.time = "sample #" + sample.seq + " · " + F.clock(sample.ts);
  }

  /* Empty graphs (as before the first sample), cards, sample time and health. */
  function emptyView(s, out) {
    for (const key of Object.keys(s.cfg.ids.graphs)) {
      out["figure:" + key] = JSON.parse(JSON.stringify(s.cfg.waitingFigure));
    }
    out["panel:temp"] = "panel panel--hidden";
    out["panel:gpu"] = "panel panel--hidden";
    for (const name of s.cfg.outputs) {
      if (name.startsWith("card:")) { out[name] = "–"; }
      if (name.startsWith("detail:")) { out[name] = "\u00a0"; }
    }
    out.time = "";
    health(s, null, out);
  }

  function component(type, props) {
    return { type: type, namespace: "dash_html_components", props: props };
  }

  /* The self-health panel's numbers: [value, warn?] in the order of cfg.healthLabels. */
  function healthItems(h, interval) {
    const F = fmt();
    const ms = (v) => (F.isNumber(v) ? v.toFixed(1) + " ms" : "–");
    return [
      [ms(h.lag_ms), h.lag_ms > interval * 500],
      [ms(h.collect_total_ms), h.collect_total_ms > interval * 500],
      [h.skipped_ticks, h.skipped_ticks > 0],
      [h.dropped_live, h.dropped_live > 0],
      [h.buffer_depth, false],
      [h.write_errors, h.write_errors > 0],
      [h.subscribers, false],
    ];
  }

  /* The storage line: [state (ok | down | unknown), text, buffered-count text]. */
  function storageLine(h) {
    if (h.storage_ok === true) { return ["ok", "Storage OK", ""]; }
    if (h.storage_ok !== false) { return ["unknown", "Storage –", ""]; }
    const buffered = fmt().isNumber(h.buffer_depth)
      ? h.buffer_depth.toLocaleString("en-US") + " buffered"
      : "";
    return ["down", "Storage down: " + errorText(h.storage_error), buffered];
  }

  /* The writer's error without SQLAlchemy's repeated class name: "OperationalError:
   * (sqlite3.OperationalError) unable to ..." -> "OperationalError: unable to ...". */
  function errorText(error) {
    if (!error) { return "unknown error"; }
    return String(error).replace(/^(\w+): \([\w.]+\.\1\) /, "$1: ");
  }

  /* The health panel of `sample` (placeholders when null): the storage line, one line high
   * whatever the error (ellipsis, full text in its tooltip), then the numbers. */
  function health(s, sample, out) {
    const h = (sample && sample.health) || {};
    const [state, text, buffered] = storageLine(h);
    const items = healthItems(h, s.interval);
    const key = JSON.stringify([state, text, buffered, items]);
    if (key === s.sent.health) { return; }
    s.sent.health = key;
    const storage = component("Div", {
      className: "storage storage--" + state,
      title: buffered ? text + " · " + buffered : text,
      children: [
        component("Span", { className: "storage-text", children: text }),
        component("Span", { className: "storage-buffer", children: buffered }),
      ],
    });
    out.health = [storage].concat(items.map(([value, warn], i) =>
      component("Div", {
        className: warn ? "stat stat--warn" : "stat",
        children: [
          component("Span", { className: "stat-label", children: s.cfg.healthLabels[i] }),
          component("Span", {
            className: "stat-value",
            children: value === undefined || value === null ? "–" : String(value),
          }),
        ],
      }),
    ));
  }

  function processTable(s) {
    const container = document.getElementById(s.cfg.ids.procTable);
    if (!container) { return null; }
    if (!s.table || s.table.container !== container) {
      s.table = new window.monitorProcessTable.ProcessTable(container);
    }
    return s.table;
  }

  /* ---- render ---- */

  /* The callback's outputs in order; texts equal to those last sent are left alone. */
  function outputs(s, out) {
    for (const name of Object.keys(out)) {
      if (typeof out[name] !== "string") { continue; }
      if (s.sent[name] === out[name]) { delete out[name]; } else { s.sent[name] = out[name]; }
    }
    if (!Object.keys(out).length) { throw preventUpdate(); }
    return s.cfg.outputs.map((name) => (name in out ? out[name] : noUpdate()));
  }

  /* Callback: frames, polled samples, pause, window and filter -> graphs, cards, health. */
  function render(_message, _polled, nClicks, windowMin, filter, cfg) {
    if (!cfg) { throw preventUpdate(); }
    const s = ensure(cfg);
    const out = {};
    out.host = s.host;
    if (s.emptyView) {
      s.emptyView = false;
      emptyView(s, out);
    }
    receive(s);
    s.pauseClicks = nClicks || 0;
    s.paused = s.pauseClicks % 2 === 1;
    out.pause = s.paused ? "Resume" : "Pause";
    if (windowMin && windowMin !== s.windowMin) {
      s.windowMin = windowMin;
      s.redrawAll = true;
    }
    const table = processTable(s);
    if (!s.paused) {
      draw(s, out);
      if (s.received && s.received !== s.latest) {
        s.latest = s.received;
        cards(s.latest, out);
        health(s, s.latest, out);
        if (table) { table.render(s.latest, filter); }
      }
    }
    if (table && (filter || "") !== table.filter) { table.render(undefined, filter); }
    return outputs(s, out);
  }

  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      if (S) { S.redrawAll = true; }
    });
  }

  document.addEventListener("visibilitychange", () => {
    if (S && !document.hidden && !S.paused) { flushGraphs(S, setFigure(S)); }
  });

  /* For tests and debugging in the console. */
  window.monitorLive = {
    state: () => S,
    pendingFrames: () => inbox.length,
    follow: (host) => { if (S) { follow(S, host, true); } },
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    live: { connection: connection, render: render },
  });
})();
