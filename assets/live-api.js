/* Where the live page's server is, and fetching from it: monitorLive.api.
 *
 *   prefix(doc)                    Dash's requests_pathname_prefix, ending in "/"
 *   socketUrl(location, prefix, path, {host, since, r})   the metrics socket's url
 *   latestUrl(prefix, host), hostsUrl(prefix), storedHostsUrl(prefix), seriesUrl(prefix, host):
 *                                  the REST endpoints the page reads (live-fill.js builds the
 *                                  history request)
 *   getJson(url)                   a promise of a 2xx answer's JSON (else rejected, with status)
 *   Fetcher                        one request at a time, at most once per period
 *
 * The page works under a path prefix (/monitor/ws/metrics): every url starts with prefix(). */
(function (root) {
  "use strict";

  /* Dash's path prefix from its config element, "/" when there is none. */
  function prefix(doc) {
    const el = doc && doc.getElementById("_dash-config");
    try {
      const value = JSON.parse(el.textContent).requests_pathname_prefix || "/";
      return value.endsWith("/") ? value : value + "/";
    } catch (_e) {
      return "/";
    }
  }

  /* ws(s)://<host of the page><prefix><path>?host=..&since=..&r=<n>: since= only once a sample
   * came (gap-free catch-up), r= new for every socket (each reconnect is a new url). */
  function socketUrl(location, pathPrefix, path, query) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const parts = [];
    if (query.host) { parts.push("host=" + encodeURIComponent(query.host)); }
    if (query.since !== null && query.since !== undefined) { parts.push("since=" + query.since); }
    parts.push("r=" + query.r);
    return scheme + "//" + location.host + pathPrefix + path + "?" + parts.join("&");
  }

  function latestUrl(pathPrefix, host) {
    return pathPrefix + "api/v1/latest" + (host ? "?host=" + encodeURIComponent(host) : "");
  }

  function hostsUrl(pathPrefix) {
    return pathPrefix + "api/v1/hosts";
  }

  function storedHostsUrl(pathPrefix) {
    return pathPrefix + "api/v1/history/hosts";
  }

  function seriesUrl(pathPrefix, host) {
    return pathPrefix + "api/v1/history/series?host=" + encodeURIComponent(host);
  }

  /* The JSON of a 2xx answer to GET `url` (uncached); rejected with {status} otherwise, or
   * after `timeoutMs` (default 15 s). */
  function getJson(url, timeoutMs) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs || 15000);
    return fetch(url, { cache: "no-store", signal: abort.signal })
      .then((response) => {
        if (!response.ok) { throw { status: response.status }; }
        return response.json();
      })
      .finally(() => clearTimeout(timer));
  }

  /* GETs one url at a time, uncached, at most once per `everyMs`; remembers when an answer
   * was last taken (okAt). */
  class Fetcher {
    constructor(now) {
      this.now = now || (() => performance.now());
      this.busy = false;
      this.nextAt = 0;
      this.okAt = -Infinity;
    }

    /* Fetches `url` unless one is in flight or its time has not come; `take(text)` gets the
     * body of a 2xx answer and returns whether it was used. Gives up after `timeoutMs`
     * (none when 0); failures are silent (the next period tries again). */
    maybe(t, everyMs, url, timeoutMs, take) {
      if (this.busy || t < this.nextAt) { return false; }
      this.busy = true;
      this.nextAt = t + everyMs;
      const abort = new AbortController();
      const timer = timeoutMs ? setTimeout(() => abort.abort(), timeoutMs) : null;
      fetch(url, { cache: "no-store", signal: abort.signal })
        .then((response) => (response.ok ? response.text() : null))
        .then((text) => {
          if (text !== null && take(text)) { this.okAt = this.now(); }
        })
        .catch(() => undefined)
        .finally(() => {
          if (timer !== null) { clearTimeout(timer); }
          this.busy = false;
        });
      return true;
    }
  }

  const api = {
    prefix, socketUrl, latestUrl, hostsUrl, storedHostsUrl, seriesUrl, getJson, Fetcher,
  };
  (root.monitorLive = root.monitorLive || {}).api = api;
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
})(typeof window !== "undefined" ? window : globalThis);
