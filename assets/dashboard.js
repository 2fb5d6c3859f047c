/* Shared browser helpers of every page: human units for bytes, rates, percentages, durations
 * (window.monitorFormat), and the shared chrome (window.monitorTheme): the light/dark toggle in
 * the header, the theme's colours for charts (a Plotly template from the CSS variables) and the
 * current page marked in the navigation. Nothing here talks to the server. Like every file in
 * assets/, it also loads under Node (tests/js): there the namespaces are on globalThis and
 * monitorFormat is the module's exports. */
(function (root) {
  "use strict";
  const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

  /* A finite number (not NaN, not ±Infinity, not a numeric string). */
  function isNumber(v) {
    return typeof v === "number" && isFinite(v);
  }

  /* 1536 -> "1.5 KiB"; three significant digits; "–" for null or NaN. */
  function bytes(n) {
    if (!isNumber(n)) { return "–"; }
    let i = 0;
    let v = Math.abs(n);
    while (v >= 1024 && i < BINARY_UNITS.length - 1) { v /= 1024; i += 1; }
    const digits = i === 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0;
    return (n < 0 ? "-" : "") + v.toFixed(digits) + " " + BINARY_UNITS[i];
  }

  function rate(n) {
    return isNumber(n) ? bytes(n) + "/s" : "–";
  }

  /* [1024^k, unit] of the largest binary multiple not above `magnitude`: 40960 -> [1024,
   * "KiB"]; [1, "B"] below 1024 or for no number. Axes divide their values by it. */
  function binaryScale(magnitude) {
    let i = 0;
    let v = isNumber(magnitude) ? Math.abs(magnitude) : 0;
    while (v >= 1024 && i < BINARY_UNITS.length - 1) { v /= 1024; i += 1; }
    return [Math.pow(1024, i), BINARY_UNITS[i]];
  }

  function pct(v, digits) {
    return isNumber(v) ? v.toFixed(digits === undefined ? 1 : digits) + " %" : "–";
  }

  /* 1234567 -> "1,234,567": a count of things, whole, grouped by thousands. */
  function count(n) {
    return isNumber(n) ? Math.round(n).toLocaleString("en-US") : "–";
  }

  function number(v, digits) {
    return isNumber(v) ? v.toFixed(digits === undefined ? 2 : digits) : "–";
  }

  /* 93784 -> "1d 2h 3m"; "–" when unknown. */
  function duration(seconds) {
    if (!isNumber(seconds)) { return "–"; }
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return (d ? d + "d " : "") + h + "h " + m + "m";
  }

  function pad(n, width) {
    return String(n).padStart(width || 2, "0");
  }

  /* Epoch seconds -> "YYYY-MM-DD HH:MM:SS.mmm" in the browser's time zone (Plotly's date
   * strings carry no zone, so the axes and hovers show local time). */
  function localIso(ts) {
    const d = new Date(Math.round(ts * 1000));
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." +
      pad(d.getMilliseconds(), 3);
  }

  /* Every time a page writes is on a 24-hour clock, like the graphs' axes, in the locale's own
   * words otherwise; opts {locale, timeZone} default to the browser's. */
  function timeFields(opts, fields) {
    const o = opts || {};
    return Object.assign({ hourCycle: "h23" }, fields, o.timeZone ? { timeZone: o.timeZone } : {});
  }

  /* Epoch seconds -> "14:05:09", the local time of day; "–" for no number. */
  function clock(ts, opts) {
    if (!isNumber(ts)) { return "–"; }
    const fields = timeFields(opts, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    return new Date(ts * 1000).toLocaleTimeString((opts && opts.locale) || [], fields);
  }

  /* "14:05" on the day of `now`, "Mar 3, 14:05" (the locale's order) on another; "–" for none. */
  function when(ts, now, opts) {
    if (!isNumber(ts)) { return "–"; }
    const locale = (opts && opts.locale) || [];
    const zone = timeFields(opts, {});
    const day = (t) => new Date(t * 1000).toLocaleDateString(locale, zone);
    const time = timeFields(opts, { hour: "2-digit", minute: "2-digit" });
    const fields = day(ts) === day(now) ? time : Object.assign({ month: "short", day: "numeric" }, time);
    return new Date(ts * 1000).toLocaleString(locale, fields);
  }

  const monitorFormat = {
    bytes, rate, binaryScale, pct, number, count, duration, localIso, clock, when, isNumber,
  };
  root.monitorFormat = monitorFormat;
  if (typeof module !== "undefined" && module.exports) { module.exports = monitorFormat; }

  /* ---- the theme: light or dark, on <html data-theme> (theme-boot.js sets it first) ---- */
  const node = typeof module !== "undefined" && module.exports;
  const boot = () => root.monitorThemeBoot || (node ? require("./theme-boot.js") : null);
  const THEME_EVENT = "monitor-theme"; // dispatched on window when the theme changes
  const SERIES = 6; // --series-1 .. --series-6

  function currentTheme() {
    const html = root.document && root.document.documentElement;
    return html && html.dataset.theme === "dark" ? "dark" : "light";
  }

  /* The theme's colours, read from the CSS variables of dashboard.css. */
  function themeColors() {
    const css = root.getComputedStyle(root.document.documentElement);
    const v = (name, fallback) => (css.getPropertyValue(name) || "").trim() || fallback;
    const series = [];
    for (let i = 1; i <= SERIES; i += 1) { series.push(v("--series-" + i, "#2f6fde")); }
    return {
      bg: v("--bg", "#f5f6f8"), fg: v("--fg", "#1b1f24"), muted: v("--muted", "#5f6b7a"),
      card: v("--card", "#ffffff"), border: v("--border", "#e1e4e8"),
      grid: v("--grid", "rgba(95,107,122,0.18)"), series: series,
    };
  }

  /* A Plotly template of the theme `c` (themeColors()): transparent backgrounds (the chart
   * shows the page or panel it sits on), the theme's text, grid and series colours. */
  function plotlyTemplate(c) {
    const axis = {
      gridcolor: c.grid, linecolor: c.border, zerolinecolor: c.border, tickcolor: c.border,
      tickfont: { color: c.fg }, title: { font: { color: c.fg } },
    };
    return {
      layout: {
        paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
        font: { color: c.fg, family: "system-ui, sans-serif", size: 12 },
        colorway: c.series.slice(),
        xaxis: axis, yaxis: axis,
        legend: { bgcolor: "rgba(0,0,0,0)", font: { color: c.fg } },
        hoverlabel: { bgcolor: c.card, bordercolor: c.border, font: { color: c.fg } },
        annotationdefaults: { font: { color: c.muted } },
        modebar: { bgcolor: "rgba(0,0,0,0)", color: c.muted, activecolor: c.fg },
      },
    };
  }

  /* Shows `theme`, remembers it when a person chose it, and tells the pages (their charts
   * redraw in the new colours). */
  function setTheme(theme, remember) {
    const b = boot();
    b.applyTheme(theme);
    if (remember) {
      try { root.localStorage.setItem(b.KEY, theme); } catch (_err) { /* not remembered */ }
    }
    syncToggle();
    if (root.dash_clientside && root.dash_clientside.set_props) {
      root.dash_clientside.set_props("theme", { data: theme });
    }
    if (typeof root.dispatchEvent === "function" && typeof root.CustomEvent === "function") {
      root.dispatchEvent(new root.CustomEvent(THEME_EVENT, { detail: theme }));
    }
    return theme;
  }

  function toggleTheme() {
    return setTheme(currentTheme() === "dark" ? "light" : "dark", true);
  }

  function syncToggle() {
    const button = root.document && root.document.getElementById("theme-toggle");
    if (button) { button.setAttribute("aria-pressed", String(currentTheme() === "dark")); }
  }

  /* The navigation link (of `linkPaths`) naming the page at `pathname`: the one it ends with
   * (a path prefix before it or a trailing slash make no difference), else the root "/". */
  function currentLink(linkPaths, pathname) {
    const here = (pathname || "/").replace(/\/+$/, "");
    const found = linkPaths.find((p) => p !== "/" && here.endsWith(p.replace(/\/+$/, "")));
    return found || (linkPaths.includes("/") ? "/" : null);
  }

  /* Clientside callback: marks the navigation link of `pathname` with aria-current="page". */
  function markCurrent(pathname) {
    const nav = root.document && root.document.getElementById("nav");
    const links = nav ? Array.from(nav.querySelectorAll("a.nav-link")) : [];
    const path = (a) => new URL(a.getAttribute("href"), root.location.href).pathname;
    const current = currentLink(links.map(path), pathname);
    for (const a of links) {
      if (path(a) === current) { a.setAttribute("aria-current", "page"); }
      else { a.removeAttribute("aria-current"); }
    }
    syncToggle();
    return pathname || "/";
  }

  const monitorTheme = {
    THEME_EVENT, currentTheme, themeColors, plotlyTemplate, setTheme, toggleTheme, currentLink,
    markCurrent,
  };
  root.monitorTheme = monitorTheme;
  root.dash_clientside = Object.assign({}, root.dash_clientside, { chrome: { markCurrent } });
  if (node) { module.exports.theme = monitorTheme; }

  if (root.document && typeof root.document.addEventListener === "function") {
    root.document.addEventListener("click", (event) => {
      const target = event.target;
      if (target && target.closest && target.closest("#theme-toggle")) { toggleTheme(); }
    });
    if (root.matchMedia) {
      root.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", (event) => {
        if (!boot().storedTheme()) { setTheme(event.matches ? "dark" : "light", false); }
      });
    }
  }
})(typeof window !== "undefined" ? window : globalThis);
