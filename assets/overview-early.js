/* The hosts page's first page of tiles, asked for from the page's head (app/pages/chrome.py),
 * before Dash's renderer has loaded: its answer is there when overview.js first draws, about
 * half a second sooner than overview.js itself could ask. Any other page asks nothing. */
(function (root) {
  "use strict";
  const FIRST_PAGE = "api/v1/overview?sort=name&page=1";
  const onHosts = root.location && /\/hosts\/?$/.test(root.location.pathname);
  if (onHosts && typeof root.fetch === "function") {
    const early = root.fetch(FIRST_PAGE, { cache: "no-store", credentials: "same-origin" });
    early.catch(() => undefined); // a failure is the first read's (overview.js asks again)
    root.monitorOverviewEarly = { url: FIRST_PAGE, response: early };
  }
})(typeof window !== "undefined" ? window : globalThis);
