/* The live page's summary cards and its self-health panel: monitorLive.panels.
 *
 * Texts are keyed by the render callback's output names (app/pages/live.py render_outputs:
 * "card:cpu", "detail:cpu", ..., "health"). `age` words how old the cards are (the connection
 * callback shows it in the toolbar and dims the cards while it is stale). The health panel is Dash html components
 * (as JSON) of the same classes and lines as the server's placeholder, so its height never
 * changes; its storage line stays one line whatever the error (full text in its tooltip). */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  if (node && !root.monitorFormat) { require("./dashboard.js"); }
  const fmt = () => root.monitorFormat;
  const NBSP = "\u00a0";

  /* `text` that never breaks across lines ("8.00 KiB/s"). */
  function keep(text) {
    return String(text).replace(/ /g, NBSP);
  }

  /* a + b, a missing one counting as 0; null when both are missing. */
  function sum(a, b) {
    const isNumber = fmt().isNumber;
    if (!isNumber(a) && !isNumber(b)) { return null; }
    return (isNumber(a) ? a : 0) + (isNumber(b) ? b : 0);
  }

  /* "CPU 3.2 % · Mem 0 % · I/O 1.5 %": the share of the last 10 s some tasks waited for each
   * (the "some" avg10 of the host's pressure stall information); "–" without the section. */
  function pressureText(pressure) {
    if (!pressure) { return "–"; }
    const isNumber = fmt().isNumber;
    const share = (r) => {
      const v = (pressure[r] || {}).some_avg10;
      return isNumber(v) ? String(Math.round(v * 10) / 10) + NBSP + "%" : "–";
    };
    return [["CPU", "cpu"], ["Mem", "memory"], ["I/O", "io"]]
      .map(([label, r]) => label + NBSP + share(r)).join(" · ");
  }

  /* {output name: class} of the parts shown only while `sample` carries their section
   * (cfg.sectionParts: [section, output name, class when shown]); all hidden for no sample. */
  function sectionClasses(parts, sample) {
    const out = {};
    for (const [section, name, cls] of parts || []) {
      out[name] = sample && sample[section] ? cls : cls + " panel--hidden";
    }
    return out;
  }

  /* The cards' texts for `sample`. */
  function cards(sample) {
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
    return {
      "card:cpu": F.pct(cpu.total),
      "detail:cpu": (cores ? cores + " cores" : "") + ghz,
      "card:memory": F.pct(mem.percent),
      "detail:memory": F.bytes(mem.used) + " of " + F.bytes(mem.total),
      "card:swap": swap ? F.pct(mem.swap_percent) : "none",
      "detail:swap": swap
        ? F.bytes(mem.swap_used) + " of " + F.bytes(mem.swap_total)
        : "no swap configured",
      "card:load": F.number(load.load1),
      "detail:load": "5m " + F.number(load.load5) + " · 15m " + F.number(load.load15),
      "card:disk": F.rate(sum(disk.read_bps, disk.write_bps)),
      "detail:disk": "R" + NBSP + keep(F.rate(disk.read_bps)) + " · W" + NBSP
        + keep(F.rate(disk.write_bps)), // wraps at the dot only
      "card:net": F.rate(sum(net.rx_bps, net.tx_bps)),
      "detail:net": "↓" + NBSP + keep(F.rate(net.rx_bps)) + " · ↑" + NBSP
        + keep(F.rate(net.tx_bps)),
      "card:uptime": F.duration(sys.uptime_s),
      "detail:uptime": sys.os || NBSP,
      "card:pressure": pressureText(sample.pressure),
      "detail:pressure": "share of time tasks waited (10 s)",
    };
  }

  /* Epoch seconds -> the local time of day on the 24-hour clock the graphs' axes use (the
   * pages' one clock: monitorFormat.clock). */
  function clock24(ts) {
    return fmt().clock(ts);
  }

  /* How old the cards' values are: {stale, text, className}. `sample` is the newest shown
   * (null: none yet), `receivedAt` when it came and `t` now (ms, one clock); stale once no
   * sample came for `staleIntervals` intervals, or while the socket is not live (`kind`: the
   * status badge's kind; polling counts as live while its samples come; never while paused). */
  function age(sample, receivedAt, t, interval, staleIntervals, kind) {
    if (!sample) { return { stale: false, text: "", className: "cards" }; }
    const ms = Math.max(0, t - receivedAt);
    // paused: the cards keep the sample shown when Pause was pressed, on purpose
    const stale = kind !== "paused" && (ms > staleIntervals * interval * 1000
      || (kind !== "live" && kind !== "polling"));
    if (!stale) {
      return { stale: false, text: "Last sample " + clock24(sample.ts), className: "cards" };
    }
    const seconds = Math.floor(ms / 1000);
    const ago = seconds >= 120 ? Math.floor(seconds / 60) + " min ago" : seconds + " s ago";
    return {
      stale: true,
      text: "Values as of " + clock24(sample.ts) + " · " + ago,
      className: "cards cards--stale",
    };
  }

  /* Every card and detail of `outputs` (output names) as before the first sample. */
  function emptyCards(outputs) {
    const out = {};
    for (const name of outputs) {
      if (name.startsWith("card:")) { out[name] = "–"; }
      if (name.startsWith("detail:")) { out[name] = NBSP; }
    }
    return out;
  }

  /* The health panel's numbers: [value, warn?] in the order of cfg.healthLabels. Times warn
   * past half an interval. */
  function healthItems(h, interval) {
    const isNumber = fmt().isNumber;
    const ms = (v) => (isNumber(v) ? v.toFixed(1) + " ms" : "–");
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

  /* The writer's error without SQLAlchemy's repeated class name: "OperationalError:
   * (sqlite3.OperationalError) unable to ..." -> "OperationalError: unable to ...". */
  function errorText(error) {
    if (!error) { return "unknown error"; }
    return String(error).replace(/^(\w+): \([\w.]+\.\1\) /, "$1: ");
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

  function component(type, props) {
    return { type: type, namespace: "dash_html_components", props: props };
  }

  /* The health panel's children for `health` (a sample's health section, {} when unknown). */
  function healthChildren(health, interval, labels) {
    const [state, text, buffered] = storageLine(health);
    const storage = component("Div", {
      className: "storage storage--" + state,
      title: buffered ? text + " · " + buffered : text,
      children: [
        component("Span", { className: "storage-text", children: text }),
        component("Span", { className: "storage-buffer", children: buffered }),
      ],
    });
    return [storage].concat(healthItems(health, interval).map(([value, warn], i) =>
      component("Div", {
        className: warn ? "stat stat--warn" : "stat",
        children: [
          component("Span", { className: "stat-label", children: labels[i] }),
          component("Span", {
            className: "stat-value",
            children: value === undefined || value === null ? "–" : String(value),
          }),
        ],
      }),
    ));
  }

  /* Cards and health of one page mount; the health panel is sent only when it changed. */
  class Panels {
    constructor(cfg) {
      this.cfg = cfg;
      this.reset();
    }

    /* Forgets what was sent (another host is followed next). */
    reset() {
      this.healthKey = null;
    }

    /* Cards and health of `sample` into `out`. */
    show(sample, interval, out) {
      Object.assign(out, cards(sample), sectionClasses(this.cfg.sectionParts, sample));
      this.health(sample.health || {}, interval, out);
    }

    /* Placeholders, as before the first sample. */
    empty(interval, out) {
      Object.assign(out, emptyCards(this.cfg.outputs), sectionClasses(this.cfg.sectionParts, null));
      this.health({}, interval, out);
    }

    health(h, interval, out) {
      const children = healthChildren(h, interval, this.cfg.healthLabels);
      const key = JSON.stringify(children);
      if (key === this.healthKey) { return; }
      this.healthKey = key;
      out.health = children;
    }
  }

  const panels = { sum, pressureText, sectionClasses, cards, clock24, age, emptyCards, healthItems,
    errorText, storageLine, healthChildren, Panels };
  (root.monitorLive = root.monitorLive || {}).panels = panels;
  if (node) { module.exports = panels; }
})(typeof window !== "undefined" ? window : globalThis);
