/* The theme before the first paint. The page's head loads this file (app/pages/chrome.py), so
 * it runs before the body is drawn: <html data-theme> is the person's choice remembered in
 * localStorage, else the system's preference, and every colour in dashboard.css follows it.
 * dashboard.js holds the toggle; this file only decides. Loads under Node too (tests/js). */
(function (root) {
  "use strict";
  const KEY = "monitor-theme";

  /* "light" or "dark": a remembered choice wins, else the system's preference. */
  function chosenTheme(stored, prefersDark) {
    if (stored === "light" || stored === "dark") { return stored; }
    return prefersDark ? "dark" : "light";
  }

  function storedTheme() {
    try {
      return root.localStorage ? root.localStorage.getItem(KEY) : null;
    } catch (_err) {
      return null; // storage refused (privacy settings): follow the system
    }
  }

  function systemDark() {
    return !!(root.matchMedia && root.matchMedia("(prefers-color-scheme: dark)").matches);
  }

  /* Sets <html data-theme> (and the native controls' colour scheme); returns the theme. */
  function applyTheme(theme) {
    const html = root.document && root.document.documentElement;
    if (html) {
      html.dataset.theme = theme;
      html.style.colorScheme = theme;
    }
    return theme;
  }

  const boot = { KEY, chosenTheme, storedTheme, systemDark, applyTheme };
  root.monitorThemeBoot = boot;
  if (typeof module !== "undefined" && module.exports) { module.exports = boot; }
  applyTheme(chosenTheme(storedTheme(), systemDark()));
})(typeof window !== "undefined" ? window : globalThis);
