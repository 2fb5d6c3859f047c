/* The live page's graphs: when to draw what (live-figures.js builds it). monitorLive.graphs.
 *
 * A whole figure (first draw, window change, theme change, catch-up after a pause, a new
 * sensor or GPU) goes through the dcc.Graph `figure` prop; each tick's new points are appended
 * with Plotly.extendTraces on the graph, once the graph shows that figure (its layout.meta
 * says which). dcc.Graph's `extendData` prop is not used: when updates arrive faster than it
 * redraws it applies one twice or drops one (its queue is cleared only after the redraw),
 * which breaks a gap-free, duplicate-free series. A hidden tab draws nothing until shown.
 *
 * A figure shows the window's time span, not a count of points: its older part (read from the
 * database, live-fill.js: `older`) stitched to the in-memory buffer (`history`); points older
 * than the window leave the figure as new ones come (extendTraces' maxPoints, counted from
 * the times the graph shows). Points the buffer drops keep their place in `older` while the
 * window still reaches them.
 *
 * Optional panels (cfg.optionalPanels, the server's OPTIONAL_PANELS) are shown once the
 * followed host's samples give their graph a trace. */
(function (root) {
  "use strict";

  const REBUILD_AFTER = 60; // more waiting points than this: send the whole figure instead
  const FLUSH_RETRY_MS = 100; // how soon points for a graph that was not ready are retried

  const figures = () => root.monitorLive.figures;
  const fill = () => root.monitorLive.fill;
  const OLDER_LIMIT = 4000; // older points kept (buffer drops) before the database is read again
  const LONG_GAP_INTERVALS = 10; // a break this long: the database is read again

  /* How many of `tss` (ascending times, seconds) are before `cutoff`. */
  function before(tss, cutoff) {
    let n = 0;
    while (n < tss.length && tss[n] < cutoff) { n += 1; }
    return n;
  }

  /* {"panel:<key>": class} for each optional panel: shown when its graph has a trace. */
  function panelClasses(optional, structure, hasTraces) {
    const out = {};
    for (const key of optional) {
      const shown = !!structure && hasTraces(key, structure);
      out["panel:" + key] = shown ? "panel" : "panel panel--hidden";
    }
    return out;
  }

  class Graphs {
    /* `view()`: {host, windowS (window, seconds), interval, limit (buffer length), active
     * (may draw now)}, read whenever the graphs draw. */
    constructor(cfg, view) {
      this.cfg = cfg;
      this.view = view;
      this.figureSeq = 0; // never reset: a graph's meta must not repeat one it showed
      this.flushTimer = null;
      this.reset();
    }

    /* Forgets every point (another host is followed next). */
    reset() {
      this.history = []; // drawn points, oldest first, at most view().limit
      this.older = { points: [], stale: true }; // from the database (and buffer drops)
      this.structure = null;
      this.graphs = {}; // key -> {meta: the figure it was last sent, queue: points not drawn}
      this.redrawAll = false; // window or theme changed: every figure is sent again
      if (this.flushTimer) {
        clearTimeout(this.flushTimer);
        this.flushTimer = null;
      }
    }

    keys() {
      return Object.keys(this.cfg.ids.graphs);
    }

    /* Empty graphs (as before the first sample) and hidden optional panels, into `out`. */
    empty(out) {
      for (const key of this.keys()) {
        out["figure:" + key] = JSON.parse(JSON.stringify(this.cfg.waitingFigure));
      }
      Object.assign(out, panelClasses(this.cfg.optionalPanels, null, null));
    }

    /* The graph's plot element once it shows the figure last sent to it (else null). */
    readyGraph(key) {
      const holder = document.getElementById(this.cfg.ids.graphs[key]);
      const gd = holder && holder.querySelector(".js-plotly-plot");
      if (!gd || !root.Plotly || !gd.layout || gd.layout.meta !== this.graphs[key].meta) {
        return null;
      }
      return gd.classList.contains("dash-graph--pending") ? null : gd;
    }

    /* The newest point's time minus the window: points before it are not drawn. */
    cutoff() {
      const last = this.history[this.history.length - 1];
      return last ? last.ts - this.view().windowS : -Infinity;
    }

    /* The points of the window: the older part stitched to the buffer. */
    windowPoints() {
      const view = this.view();
      const points = fill().stitch(this.older.points, this.history, view.interval);
      return points.slice(before(points.map((p) => p.ts), this.cutoff()));
    }

    /* The range the database is to fill now ([from, to) epoch seconds), or null: the window
     * reaches before the buffer and the older part is stale or does not reach back enough. */
    fillWanted() {
      const last = this.history[this.history.length - 1];
      if (!last || !this.structure) { return null; }
      const view = this.view();
      const range = fill().wanted(view.windowS, last.ts, this.history, view.interval);
      if (!range) { return null; }
      const older = this.older;
      const covered = !older.stale && older.host === view.host && older.from <= range.from;
      return covered ? null : range;
    }

    /* The database's points for `range` (fillWanted's): the older part from now on; every
     * figure is sent again. */
    setOlder(host, range, points) {
      if (host !== this.view().host) { return; }
      // buffer drops made while the read was in flight come after its range
      const later = this.older.points.filter((p) => p.ts >= range.to);
      this.older = { points: points.concat(later), stale: false, host: host, from: range.from };
      this.redrawAll = true;
    }

    /* The whole figure of graph `key` (the window's points), marked so that readyGraph can
     * tell when the graph shows it; empties the graph's queue. */
    rebuild(key, theme) {
      const view = this.view();
      const graph = this.graphs[key];
      const points = this.windowPoints();
      const figure = figures().buildFigure(key, points, this.structure, theme);
      this.figureSeq += 1;
      graph.meta = "live-" + this.figureSeq;
      graph.tss = points.map((p) => p.ts);
      figure.layout.meta = graph.meta;
      figure.layout.uirevision = "live:" + view.host; // zoom is kept, but not across hosts
      graph.queue = [];
      return figure;
    }

    /* After a long break among `points` (an outage longer than the server's backlog, a
     * restart) the database may hold what the socket could not send: the buffer before it
     * joins the older part, which is read again (drawn as it is meanwhile). */
    reread(points) {
      const interval = this.view().interval;
      let at = -1;
      points.forEach((p, i) => { if (p.gap && p.span > LONG_GAP_INTERVALS * interval) { at = i; } });
      if (at < 0) { return; }
      const index = this.history.length - points.length + at;
      Array.prototype.push.apply(this.older.points, this.history.splice(0, index + 1));
      this.older.points.pop(); // the gap point: stitch puts one where the parts do not meet
      this.older.stale = true;
    }

    /* Buffer points beyond `limit` move to the older part (while the window reaches them);
     * too many there, and the database is read again (at its bounded resolution). */
    trim(limit) {
      if (this.history.length <= limit) { return; }
      const dropped = this.history.splice(0, this.history.length - limit);
      const older = this.older;
      Array.prototype.push.apply(older.points, dropped);
      older.points.splice(0, before(older.points.map((p) => p.ts), this.cutoff()));
      if (older.points.length > OLDER_LIMIT) { older.stale = true; }
    }

    /* Moves `points` into the history and the graphs: whole figures (into `out`) when the
     * window, the host's shape or the theme changed, else into each graph's queue. */
    draw(points, out) {
      Array.prototype.push.apply(this.history, points);
      this.reread(points);
      this.trim(this.view().limit);
      if (!this.history.length) { return; }
      const F = figures();
      const structure = F.structureOf(this.history[this.history.length - 1]);
      const reshaped = !F.sameStructure(structure, this.structure);
      this.structure = structure;
      const all = this.redrawAll || reshaped;
      this.redrawAll = false;
      let theme = null;
      for (const key of this.keys()) {
        const graph = this.graphs[key] || (this.graphs[key] = { meta: null, queue: [], tss: [] });
        if (all || graph.meta === null) {
          theme = theme || F.theme();
          out["figure:" + key] = this.rebuild(key, theme);
        } else {
          Array.prototype.push.apply(graph.queue, points);
        }
      }
      this.flush((key, figure) => { out["figure:" + key] = figure; });
      if (reshaped) {
        Object.assign(out, panelClasses(this.cfg.optionalPanels, structure, F.hasTraces));
      }
    }

    /* Appends each graph's queued points once the graph shows its latest figure (a long queue
     * becomes a new figure, handed to `emit`; by default set on the graph directly). Graphs not
     * ready yet are retried shortly, off Dash's callback path. */
    flush(emit) {
      if (document.hidden) { return; }
      const send = emit || ((key, figure) => {
        root.dash_clientside.set_props(this.cfg.ids.graphs[key], { figure: figure });
      });
      let waiting = false;
      for (const key of Object.keys(this.graphs)) {
        const graph = this.graphs[key];
        if (!graph.queue.length) { continue; }
        const gd = this.readyGraph(key);
        if (!gd) {
          waiting = true;
        } else if (graph.queue.length > REBUILD_AFTER) {
          send(key, this.rebuild(key, figures().theme()));
        } else {
          const args = figures().extension(key, graph.queue, this.structure);
          Array.prototype.push.apply(graph.tss, graph.queue.map((p) => p.ts));
          graph.tss.splice(0, before(graph.tss, this.cutoff()));
          graph.queue = [];
          if (args) { root.Plotly.extendTraces(gd, args[0], args[1], graph.tss.length); }
        }
      }
      if (waiting && !this.flushTimer) {
        this.flushTimer = setTimeout(() => {
          this.flushTimer = null;
          if (this.view().active) { this.flush(); }
        }, FLUSH_RETRY_MS);
      }
    }
  }

  const graphs = { REBUILD_AFTER, before, panelClasses, Graphs };
  (root.monitorLive = root.monitorLive || {}).graphs = graphs;
  if (typeof module !== "undefined" && module.exports) { module.exports = graphs; }
})(typeof window !== "undefined" ? window : globalThis);
