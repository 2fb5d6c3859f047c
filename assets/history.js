/* History page: the server queries and draws; the browser reports its time zone, gives the
 * server's figure the page theme's colours (monitorTheme, dashboard.js), keeps the view in the
 * address bar (so a view can be shared and reloaded: app/pages/history/links.py reads it) and
 * shows the chosen host in the header. The pure parts are on monitorHistory for tests/js. */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  const noUpdate = () => (root.dash_clientside ? root.dash_clientside.no_update : undefined);
  const BAND_ALPHA = 0.22;
  const GRAPH_HEIGHT = "var(--history-graph-height)"; // history.css; stacked charts say theirs

  /* "#6d9eff" / "#abc" / "rgb(1, 2, 3)" -> "rgba(r,g,b,alpha)"; other colours unchanged. */
  function withAlpha(color, alpha) {
    const text = String(color || "").trim();
    let rgb = null;
    const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text);
    if (hex) {
      const h = hex[1].length === 3 ? hex[1].replace(/./g, "$&$&") : hex[1];
      rgb = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    } else {
      const fn = /^rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/i.exec(text);
      if (fn) { rgb = fn.slice(1, 4).map(Number); }
    }
    return rgb ? "rgba(" + rgb.join(",") + "," + alpha + ")" : text;
  }

  /* `figure` in the theme: its template, and each series' line, band and markers in the
   * theme's series colour (a trace's meta.series says which). A copy; `figure` is kept. */
  function themeFigure(figure, template, colors) {
    const series = colors && colors.length ? colors : ["#2f6fde"];
    const data = (figure.data || []).map((trace) => {
      const index = trace.meta && typeof trace.meta.series === "number" ? trace.meta.series : null;
      if (index === null) { return trace; }
      const color = series[index % series.length];
      const out = Object.assign({}, trace, {
        line: Object.assign({}, trace.line, { color: color }),
        marker: Object.assign({}, trace.marker, { color: color }),
      });
      if (trace.fill) { out.fillcolor = withAlpha(color, BAND_ALPHA); }
      return out;
    });
    const layout = Object.assign({}, figure.layout, { template: template });
    return { data: data, layout: layout };
  }

  /* A query value, escaped where it must be ("disks.io[vda].read_bps" stays readable). */
  function escape(text) {
    return encodeURIComponent(String(text))
      .replace(/%5B/gi, "[").replace(/%5D/gi, "]").replace(/%2F/gi, "/").replace(/%3A/gi, ":");
  }

  /* Epoch seconds -> ISO-8601 UTC, milliseconds only when there are any. */
  function isoUtc(ts) {
    return new Date(Math.round(ts * 1000)).toISOString().replace(".000Z", "Z");
  }

  /* The page URL's query naming this view: host, the preset (range=6h) while the view is an
   * unzoomed preset, else the window (from, to), and the series drawn. */
  function viewQuery(view, base, metrics, host) {
    const params = [];
    if (host) { params.push("host=" + escape(host)); }
    const isBase = !!(view && base && view.start === base.start && view.end === base.end);
    if (isBase && base.preset) {
      params.push("range=" + escape(base.preset));
    } else if (view) {
      params.push("from=" + isoUtc(view.start), "to=" + isoUtc(view.end));
    }
    if (metrics && metrics.length) { params.push("metrics=" + metrics.map(escape).join(",")); }
    return params.length ? "?" + params.join("&") : "";
  }

  /* Callback: the graph's figure (and height, when charts are stacked) in the page theme. */
  function themed(figure, _theme) {
    if (!figure) { return [noUpdate(), noUpdate()]; }
    const T = root.monitorTheme;
    const colors = T ? T.themeColors() : null;
    const template = T ? T.plotlyTemplate(colors) : { layout: {} };
    const height = figure.layout && figure.layout.height;
    const size = { height: height ? height + "px" : GRAPH_HEIGHT };
    return [themeFigure(figure, template, colors && colors.series), size];
  }

  /* Callback: writes the view into the address bar (replacing, not adding, a history entry). */
  function writeUrl(view, metrics, host, base) {
    const query = viewQuery(view, base, metrics, host);
    const loc = root.location;
    if (loc && /\/history\/?$/.test(loc.pathname) && loc.search !== query && root.history) {
      root.history.replaceState(root.history.state, "", loc.pathname + query + loc.hash);
    }
    return query;
  }

  /* Callback (Apply, or Enter in a field): the From and To texts as the fields show them now,
   * read from the page itself, so a click the moment after typing sees what was typed. */
  function typedRange(_apply, _submitFrom, _submitTo) {
    const doc = root.document;
    const text = (id) => {
      const field = doc && doc.getElementById(id);
      return field ? field.value : "";
    };
    return { from: text("history-from"), to: text("history-to"), at: Date.now() };
  }

  /* Callback: the chosen host in the page header. */
  function hostName(host) {
    return host || noUpdate();
  }

  /* Callback: the IANA time zone of this browser (e.g. "Europe/Berlin"), for every time on
   * the page. */
  function timeZone(_init) {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    } catch (_err) {
      return "UTC";
    }
  }

  const monitorHistory = { withAlpha, themeFigure, viewQuery, isoUtc, escape };
  root.monitorHistory = monitorHistory;
  root.dash_clientside = Object.assign({}, root.dash_clientside, {
    history: { timeZone, themed, writeUrl, typedRange, hostName },
  });
  if (node) { module.exports = monitorHistory; }
})(typeof window !== "undefined" ? window : globalThis);
