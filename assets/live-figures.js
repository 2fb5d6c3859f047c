/* Figures of the live page, built in the browser from samples (pure functions; no Dash, no
 * DOM except the page's CSS colours). live-graphs.js decides when to draw; this file decides
 * what. monitorLive.figures:
 *
 *   toPoint(sample)             the numbers the graphs draw, from one sample
 *   structureOf(point)          what the figures' traces depend on: cores, sensors, GPUs,
 *                               whether the host reports pressure
 *   hasTraces(key, structure)   whether graph `key` has anything to draw (optional panels)
 *   buildFigure(key, points, structure, theme)   a whole figure for graph `key`
 *   extension(key, points, structure)            Plotly.extendTraces arguments for new points
 *   theme()                     colours from the page's CSS variables (light or dark)
 */
(function (root) {
  "use strict";

  const node = typeof module !== "undefined" && module.exports;
  if (node && !root.monitorFormat) { require("./dashboard.js"); }
  const fmt = () => root.monitorFormat;

  /* `v` when it is a finite number, else null (a gap in the line). */
  function num(v) {
    return fmt().isNumber(v) ? v : null;
  }

  function get(obj, path) {
    let v = obj;
    for (const key of path) {
      if (v === null || v === undefined) { return null; }
      v = v[key];
    }
    return v === undefined ? null : v;
  }

  const PRESSURE = ["cpu", "memory", "io"]; // the pressure graph's lines: "some" share of time

  /* The numbers the graphs draw, taken from one sample; absent sections give nulls. */
  function toPoint(sample) {
    const temps = {};
    for (const t of get(sample, ["sensors", "temperatures"]) || []) {
      temps[t.label] = num(t.current);
    }
    const gpus = get(sample, ["gpus"]) || [];
    const pick = (section, keys) => keys.map((k) => num(get(sample, section.concat([k]))));
    const workloads = {}; // CPU % by workload key: the workloads table's sparklines
    for (const w of get(sample, ["cgroups", "workloads"]) || []) {
      if (w && w.key) { workloads[w.key] = num(w.cpu_pct); }
    }
    const pressure = get(sample, ["pressure"]);
    return {
      ts: sample.ts,
      x: fmt().localIso(sample.ts),
      cpu: pick(["cpu"], ["total", "user", "system", "iowait"]),
      cores: (get(sample, ["cpu", "per_core"]) || []).map(num),
      memory: pick(["memory"], ["percent", "swap_percent"]),
      load: pick(["load"], ["load1", "load5", "load15"]),
      disk: pick(["disks", "total"], ["read_bps", "write_bps"]),
      net: pick(["network", "total"], ["rx_bps", "tx_bps"]),
      temps: temps,
      gpuNames: gpus.map((g) => "GPU " + g.index + (g.name ? " " + g.name : "")),
      gpus: gpus.map((g) => num(g.util_pct)),
      pressure: pressure ? PRESSURE.map((r) => num(get(pressure, [r, "some_pct"]))) : null,
      workloads: workloads,
    };
  }

  function structureOf(point) {
    return {
      cores: point.cores.length, temps: Object.keys(point.temps), gpus: point.gpuNames,
      pressure: !!point.pressure,
    };
  }

  function sameStructure(a, b) {
    return !!a && !!b && JSON.stringify(a) === JSON.stringify(b);
  }

  function theme() {
    const shared = root.monitorTheme; // dashboard.js: the page theme's CSS variables
    if (shared && typeof document !== "undefined") {
      const c = shared.themeColors();
      return { fg: c.fg, grid: c.grid, card: c.card, colors: c.series };
    }
    const css = getComputedStyle(document.documentElement);
    const v = (name, fallback) => (css.getPropertyValue(name) || "").trim() || fallback;
    return {
      fg: v("--fg", "#1b1f24"),
      grid: v("--grid", "rgba(128,128,128,0.2)"),
      card: v("--card", "#ffffff"),
      colors: [1, 2, 3, 4, 5, 6].map((i) => v("--series-" + i, "#4c78a8")),
    };
  }

  const PCT = "%{y:.1f} %";
  const RATE = "%{customdata}"; // the rate in binary units (the axis is scaled)
  const RATE_GRAPHS = ["disk", "net"];
  // key -> the factor graph `key`'s values are divided by (its axis: " KiB/s" and so on),
  // chosen from the data when its whole figure is built; appended points use the same one.
  const rateScales = {};

  /* The line series of graph `key`: [name, value of a point, hover template, label of a
   * value (rates: shown in binary units in the hover)]. */
  function seriesOf(key, st) {
    const rate = (v) => fmt().rate(v);
    switch (key) {
      case "cpu":
        return ["total", "user", "system", "iowait"].map((n, i) => [n, (p) => p.cpu[i], PCT]);
      case "memory":
        return ["memory", "swap"].map((n, i) => [n, (p) => p.memory[i], PCT]);
      case "load":
        return ["1 min", "5 min", "15 min"].map((n, i) => [n, (p) => p.load[i], "%{y:.2f}"]);
      case "disk":
        return ["read", "write"].map((n, i) => [n, (p) => p.disk[i], RATE, rate]);
      case "net":
        return ["received", "sent"].map((n, i) => [n, (p) => p.net[i], RATE, rate]);
      case "temp":
        return st.temps.map((label) => [label, (p) => num(p.temps[label]), "%{y:.1f} °C"]);
      case "gpu":
        return st.gpus.map((name, i) => [name, (p) => num(p.gpus[i]), PCT]);
      case "pressure":
        return (st.pressure ? ["CPU", "memory", "I/O"] : []).map((n, i) =>
          [n, (p) => (p.pressure ? p.pressure[i] : null), PCT]);
      default:
        return [];
    }
  }

  function axisFor(key) {
    if (key === "cpu" || key === "memory" || key === "gpu") {
      return { range: [0, 100], ticksuffix: " %" };
    }
    if (RATE_GRAPHS.includes(key)) {
      const unit = fmt().binaryScale(rateScales[key] || 1)[1];
      return { rangemode: "tozero", ticksuffix: " " + unit + "/s" };
    }
    if (key === "temp") { return { rangemode: "tozero", ticksuffix: " °C" }; }
    if (key === "pressure") { return { rangemode: "tozero", ticksuffix: " %" }; }
    return { rangemode: "tozero" };
  }

  function baseLayout(th, key) {
    return {
      uirevision: "live", // zoom and legend clicks survive whole-figure updates
      margin: { l: 56, r: 12, t: 24, b: 28 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { color: th.fg, size: 11, family: "system-ui, sans-serif" },
      hovermode: "x unified",
      hoverlabel: { bgcolor: th.card, bordercolor: th.grid, font: { color: th.fg } },
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom", font: { size: 10 } },
      xaxis: {
        type: "date",
        gridcolor: th.grid,
        linecolor: th.grid,
        tickformat: "%H:%M:%S",
        hoverformat: "%H:%M:%S",
      },
      yaxis: Object.assign(
        { gridcolor: th.grid, zerolinecolor: th.grid, fixedrange: true, automargin: true },
        axisFor(key),
      ),
    };
  }

  /* Graph `key`'s divisor: its binary unit for the largest value in `series` of `points`. */
  function chooseScale(key, points, series) {
    if (!RATE_GRAPHS.includes(key)) { return 1; }
    let largest = 0;
    for (const [, value] of series) {
      for (const p of points) {
        const v = value(p);
        if (typeof v === "number" && Math.abs(v) > largest) { largest = Math.abs(v); }
      }
    }
    rateScales[key] = fmt().binaryScale(largest)[0];
    return rateScales[key];
  }

  const scaled = (ys, factor) => (factor === 1 ? ys : ys.map((v) => (v === null ? v : v / factor)));

  function lineFigure(key, points, st, th) {
    const series = seriesOf(key, st);
    const factor = chooseScale(key, points, series);
    const data = series.map(([name, value, hover, label], i) => {
      const ys = points.map(value);
      const trace = {
        type: "scatter",
        mode: "lines",
        name: name,
        x: points.map((p) => p.x),
        y: scaled(ys, factor),
        line: { width: i === 0 ? 2 : 1.3, color: th.colors[i % th.colors.length] },
        hovertemplate: hover + "<extra>" + name + "</extra>",
      };
      if (label) { trace.customdata = ys.map(label); }
      return trace;
    });
    return { data: data, layout: baseLayout(th, key) };
  }

  function coreRow(point, st) {
    const row = point.cores.slice(0, st.cores);
    while (row.length < st.cores) { row.push(null); }
    return row;
  }

  /* Per-core load as a heatmap: one row per core, one column per instant; stays readable at
   * 64 cores (about 3 px a row) where 64 lines would not. */
  function coresFigure(points, st, th) {
    const layout = baseLayout(th, "cores");
    layout.showlegend = false;
    layout.margin = { l: 56, r: 12, t: 8, b: 28 };
    layout.hovermode = "closest";
    layout.yaxis = {
      title: { text: "core", font: { size: 10 } },
      fixedrange: true,
      gridcolor: "rgba(0,0,0,0)",
      dtick: st.cores > 32 ? 8 : st.cores > 16 ? 4 : st.cores > 8 ? 2 : 1,
    };
    const heatmap = {
      type: "heatmap",
      x: points.map((p) => p.x),
      z: points.map((p) => coreRow(p, st)),
      transpose: true, // z rows are instants, drawn as columns
      zmin: 0,
      zmax: 100,
      colorscale: "Viridis",
      colorbar: { thickness: 8, ticksuffix: " %", outlinewidth: 0, len: 1 },
      hovertemplate: "core %{y}<br>%{x|%H:%M:%S}<br>%{z:.1f} %<extra></extra>",
    };
    return { data: [heatmap], layout: layout };
  }

  function buildFigure(key, points, st, th) {
    return key === "cores" ? coresFigure(points, st, th) : lineFigure(key, points, st, th);
  }

  /* Plotly.extendTraces arguments for `points`: [update, trace indices]; null when the graph
   * has no trace (no sensors, no GPU). */
  function extension(key, points, st) {
    const xs = points.map((p) => p.x);
    if (key === "cores") {
      return [{ x: [xs], z: [points.map((p) => coreRow(p, st))] }, [0]];
    }
    const series = seriesOf(key, st);
    if (!series.length) { return null; }
    const update = { x: [], y: [] };
    const labelled = series.some((item) => item[3]);
    if (labelled) { update.customdata = []; }
    const factor = RATE_GRAPHS.includes(key) ? rateScales[key] || 1 : 1;
    for (const [, value, , label] of series) {
      const ys = points.map(value);
      update.x.push(xs);
      update.y.push(scaled(ys, factor));
      if (labelled) { update.customdata.push(ys.map(label || (() => null))); }
    }
    return [update, series.map((_item, i) => i)];
  }

  /* Whether graph `key` has a trace for `structure` (no sensors: no temperature lines). */
  function hasTraces(key, st) {
    return key === "cores" ? st.cores > 0 : seriesOf(key, st).length > 0;
  }

  const figures = {
    toPoint, structureOf, sameStructure, hasTraces, theme, buildFigure, extension, num, get,
  };
  (root.monitorLive = root.monitorLive || {}).figures = figures;
  if (node) { module.exports = figures; }
})(typeof window !== "undefined" ? window : globalThis);
