/* The live graphs' older part, read from the database: monitorLive.fill (pure, no DOM).
 *
 * The in-memory buffer holds what the socket sent (the server's backlog, 15 minutes by
 * default, then every new sample); a window reaching further back (60 minutes after a
 * restart, 6 hours) gets the rest from the history API (GET /api/v1/history, the same reader
 * as the history page: raw samples, or min/mean/max buckets of at most MAX_POINTS per series,
 * drawn at their means). The two are stitched at the buffer's first sample:
 *
 *   wanted(windowS, newestTs, live, interval)   the range [from, to) to read, or null
 *   seriesNames(structure)                      the stored series the live graphs draw
 *   historyUrl(prefix, host, range, names)      the request
 *   toPoints(view, structure, interval)          the answer as graph points (live-figures.js)
 *   stitch(older, live)                          one series: older points before the buffer's
 *                                                first (none twice), gap points where either
 *                                                part has a hole or the two do not meet
 *
 * Every point carries `step` (its sample's interval, or its bucket's width, seconds): two
 * points are a gap apart when further than GAP_INTERVALS of the larger step. */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  if (node && !root.monitorFormat) { require("./dashboard.js"); }
  if (node && !(root.monitorLive && root.monitorLive.figures)) { require("./live-figures.js"); }
  if (node && !(root.monitorLive && root.monitorLive.samples)) { require("./live-samples.js"); }
  const F = () => root.monitorLive.figures;
  const S = () => root.monitorLive.samples;

  const MAX_POINTS = 1000; // per series, of the part read from the database
  const EPS = 0.0005; // half a millisecond: stored times are whole milliseconds
  const RETRY_MS = 5000; // a failed read is tried again after this

  const FIXED = {
    cpu: ["cpu.total", "cpu.user", "cpu.system", "cpu.iowait"],
    memory: ["memory.percent", "memory.swap_percent"],
    load: ["load.load1", "load.load5", "load.load15"],
    disk: ["disks.total.read_bps", "disks.total.write_bps"],
    net: ["network.total.rx_bps", "network.total.tx_bps"],
  };

  const coreName = (i) => "cpu.per_core[" + i + "]";
  const tempName = (label) => "sensors.temperatures[" + label + "].current";
  /* "GPU 0 A100" (live-figures.js gpuNames) -> "gpus[0].util_pct". */
  const gpuName = (name) => "gpus[" + String(name).split(" ")[1] + "].util_pct";

  function seriesNames(st) {
    const names = [].concat(FIXED.cpu, FIXED.memory, FIXED.load, FIXED.disk, FIXED.net);
    for (let i = 0; i < st.cores; i += 1) { names.push(coreName(i)); }
    for (const label of st.temps) { names.push(tempName(label)); }
    for (const name of st.gpus) { names.push(gpuName(name)); }
    return names;
  }

  /* The first point of `points` that is a sample (not a gap), or null. */
  function firstSample(points) {
    for (const p of points) { if (!p.gap) { return p; } }
    return null;
  }

  /* [from, to) (epoch seconds) the database is to fill for a window of `windowS` seconds
   * ending at `newestTs`, before the buffer `live`; null when the buffer covers it. */
  function wanted(windowS, newestTs, live, interval) {
    const first = firstSample(live);
    const from = newestTs - windowS;
    if (!first || first.ts - from <= S().GAP_INTERVALS * interval) { return null; }
    return { from: from, to: first.ts };
  }

  /* The history request for `range`: its end is excluded (the buffer has that sample), so
   * the API's inclusive `to` is a millisecond before it. */
  function historyUrl(pathPrefix, host, range, names) {
    const ms = (s) => Math.round(s * 1000);
    const parts = [
      "host=" + encodeURIComponent(host),
      "from=" + (ms(range.from) / 1000).toFixed(3),
      "to=" + ((ms(range.to) - 1) / 1000).toFixed(3),
      "points=" + MAX_POINTS,
    ];
    for (const name of names) { parts.push("metrics=" + encodeURIComponent(name)); }
    return pathPrefix + "api/v1/history?" + parts.join("&");
  }

  /* The history API's answer (app/web/history_api.py view_json) as live graph points of
   * `st`'s shape, at the buckets' means; series it lacks are nulls. */
  function toPoints(view, st, interval) {
    const series = view.series || {};
    const step = view.bucket_s || interval;
    const num = F().num;
    const at = (name, i) => (series[name] ? num(series[name].mean[i]) : null);
    return (view.ts || []).map((ms, i) => {
      const ts = ms / 1000;
      const temps = {};
      for (const label of st.temps) { temps[label] = at(tempName(label), i); }
      const cores = [];
      for (let c = 0; c < st.cores; c += 1) { cores.push(at(coreName(c), i)); }
      const pick = (names) => names.map((name) => at(name, i));
      return {
        ts: ts,
        x: root.monitorFormat.localIso(ts),
        step: step,
        stored: true,
        cpu: pick(FIXED.cpu),
        cores: cores,
        memory: pick(FIXED.memory),
        load: pick(FIXED.load),
        disk: pick(FIXED.disk),
        net: pick(FIXED.net),
        temps: temps,
        gpuNames: st.gpus.slice(),
        gpus: st.gpus.map((name) => at(gpuName(name), i)),
      };
    });
  }

  function stepOf(p, interval) {
    return typeof p.step === "number" && p.step > 0 ? p.step : interval;
  }

  /* `older` (time-ordered, may be empty) joined to the buffer `live`: only older points
   * before the buffer's first sample (the one part never repeats the other), a gap point
   * between two older points too far apart and between the parts when they do not meet. */
  function stitch(older, live, interval) {
    const first = firstSample(live);
    const end = first ? first.ts - EPS : Infinity;
    const out = [];
    let prev = null;
    const blank = (x) => F().toPoint(x);
    for (const p of older) {
      if (p.ts >= end) { break; }
      if (prev && S().isGap(prev.ts, p.ts, Math.max(stepOf(prev, interval), stepOf(p, interval)))) {
        out.push(S().gapPoint(blank, prev.ts, p.ts, stepOf(prev, interval)));
      }
      out.push(p);
      prev = p;
    }
    const rest = first ? live.slice(live.indexOf(first)) : [];
    if (prev && first) {
      const step = Math.max(stepOf(prev, interval), stepOf(first, interval));
      if (S().isGap(prev.ts, first.ts, step)) {
        out.push(S().gapPoint(blank, prev.ts, first.ts, stepOf(prev, interval)));
      }
    }
    return out.concat(rest);
  }

  /* Reads the older part the graphs want (Graphs.fillWanted) from the history API: whether
   * the host has anything stored, its stored series among those the graphs draw, then their
   * history; one read at a time. A host with nothing stored gets an empty older part (asked
   * first: the series route answers 400 for it); a failure is tried again
   * after RETRY_MS. `now`: a clock in ms. */
  class Reader {
    constructor(now) {
      this.now = now;
      this.busy = false;
      this.retryAt = 0;
    }

    /* Starts a read when `graphs` want one; `current()` says whether its answer still
     * belongs (the page and host unchanged), `done()` runs once the graphs have it. */
    maybe(graphs, host, interval, pathPrefix, current, done) {
      const range = graphs.fillWanted();
      if (!range || this.busy || this.now() < this.retryAt) { return false; }
      const A = root.monitorLive.api;
      const structure = graphs.structure;
      this.busy = true;
      A.getJson(A.storedHostsUrl(pathPrefix))
        .then((hosts) => ((hosts.hosts || []).includes(host)
          ? A.getJson(A.seriesUrl(pathPrefix, host)) : {})) // nothing stored for the host
        .then((stored) => {
          const known = new Set(stored.series || []);
          const names = seriesNames(structure).filter((name) => known.has(name));
          return names.length ? A.getJson(historyUrl(pathPrefix, host, range, names)) : {};
        })
        .then((view) => {
          if (!current()) { return; }
          graphs.setOlder(host, range, toPoints(view, structure, interval));
          done();
        })
        .catch(() => { this.retryAt = this.now() + RETRY_MS; })
        .finally(() => { this.busy = false; });
      return true;
    }
  }

  const fill = {
    MAX_POINTS, seriesNames, firstSample, wanted, historyUrl, toPoints, stitch, Reader,
  };
  (root.monitorLive = root.monitorLive || {}).fill = fill;
  if (node) { module.exports = fill; }
})(typeof window !== "undefined" ? window : globalThis);
