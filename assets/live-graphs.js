/* The live page's graphs: when to draw what (live-figures.js builds it). monitorLive.graphs.
 *
 * A whole figure (first draw, window change, theme change, catch-up after a pause, a new
 * sensor or GPU) goes through the dcc.Graph `figure` prop; each tick's new points are appended
 * with Plotly.extendTraces on the graph, once the graph shows that figure (its layout.meta
 * says which). dcc.Graph's `extendData` prop is not used: when updates arrive faster than it
 * redraws it applies one twice or drops one (its queue is cleared only after the redraw),
 * which breaks a gap-free, duplicate-free series. A hidden tab draws nothing until shown.
 *
 * Optional panels (cfg.optionalPanels, the server's OPTIONAL_PANELS) are shown once the
 * followed host's samples give their graph a trace. */
(function (root) {
  "use strict";

  const REBUILD_AFTER = 60; // more waiting points than this: send the whole figure instead
  const FLUSH_RETRY_MS = 100; // how soon points for a graph that was not ready are retried

  const figures = () => root.monitorLive.figures;

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
    /* `view()`: {host, points (window length), limit (history length), active (may draw
     * now)}, read whenever the graphs draw. */
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

    /* The whole figure of graph `key` (the history within the window), marked so that
     * readyGraph can tell when the graph shows it; empties the graph's queue. */
    rebuild(key, theme) {
      const view = this.view();
      const graph = this.graphs[key];
      const points = this.history.slice(-view.points);
      const figure = figures().buildFigure(key, points, this.structure, theme);
      this.figureSeq += 1;
      graph.meta = "live-" + this.figureSeq;
      figure.layout.meta = graph.meta;
      figure.layout.uirevision = "live:" + view.host; // zoom is kept, but not across hosts
      graph.queue = [];
      return figure;
    }

    /* Moves `points` into the history and the graphs: whole figures (into `out`) when the
     * window, the host's shape or the theme changed, else into each graph's queue. */
    draw(points, out) {
      Array.prototype.push.apply(this.history, points);
      const limit = this.view().limit;
      if (this.history.length > limit) { this.history.splice(0, this.history.length - limit); }
      if (!this.history.length) { return; }
      const F = figures();
      const structure = F.structureOf(this.history[this.history.length - 1]);
      const reshaped = !F.sameStructure(structure, this.structure);
      this.structure = structure;
      const all = this.redrawAll || reshaped;
      this.redrawAll = false;
      let theme = null;
      for (const key of this.keys()) {
        const graph = this.graphs[key] || (this.graphs[key] = { meta: null, queue: [] });
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
          graph.queue = [];
          if (args) { root.Plotly.extendTraces(gd, args[0], args[1], this.view().points); }
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

  const graphs = { REBUILD_AFTER, panelClasses, Graphs };
  (root.monitorLive = root.monitorLive || {}).graphs = graphs;
  if (typeof module !== "undefined" && module.exports) { module.exports = graphs; }
})(typeof window !== "undefined" ? window : globalThis);
