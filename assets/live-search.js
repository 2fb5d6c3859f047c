/* Searching every process of the followed host, not only the sample's top rows:
 * monitorLive.search (used by live-table.js while its filter holds text).
 *
 *   searchUrl(prefix, want)   GET /api/v1/processes?host=&q=&sort=&order=&limit=
 *   summary(result, shown)    the line above the table: "33 of 412 processes match “kworker”"
 *   wholeCommand(prefix, host, pid, fetch)
 *                             the whole (masked) command line of one process, for a row
 *                             clicked open whose sample's command line was cut at "…"
 *   ProcessSearch             one request at a time; a new filter, host or sort is asked
 *                             after DEBOUNCE_MS, the same one again every REFRESH_MS (sooner
 *                             while the server still reads details: `unread`)
 *
 * The server answers from its sampler's last scan (docs/api.md). For another host it answers
 * 409 (that host's full list is only on its own server): the table then filters the top rows
 * it has and says so; so it does when the search fails. */
(function (root) {
  "use strict";

  const DEBOUNCE_MS = 200;
  const REFRESH_MS = 2000;
  const UNREAD_REFRESH_MS = 500;
  const ELSEWHERE_REFRESH_MS = 30000; // a 409 will not change soon
  const LIMIT = 200;
  const TIMEOUT_MS = 5000;

  /* The endpoint's url for `want` ({host, q, sort: {key, dir}}) under Dash's `prefix`. */
  function searchUrl(prefix, want) {
    const query = [
      "host=" + encodeURIComponent(want.host),
      "q=" + encodeURIComponent(want.q),
      "sort=" + encodeURIComponent(want.sort.key),
      "order=" + (want.sort.dir > 0 ? "asc" : "desc"),
      "limit=" + LIMIT,
    ];
    return prefix + "api/v1/processes?" + query.join("&");
  }

  /* Promise of the whole command line of process `pid` of `host` (null when the server has
   * none: another host, a process gone, an error). A search for the pid's digits also matches
   * other processes whose command holds them: the one with that pid is taken. */
  function wholeCommand(prefix, host, pid, fetch) {
    const want = { host: host, q: String(pid), sort: { key: "pid", dir: 1 } };
    const url = searchUrl(prefix, want).replace("limit=" + LIMIT, "limit=500");
    return fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => {
        const found = body && (body.processes || []).find((p) => p.pid === pid);
        return found && typeof found.cmdline === "string" ? found.cmdline : null;
      })
      .catch(() => null);
  }

  const plural = (n, one, many) => n + " " + (n === 1 ? one : many);

  /* The table's status line: what the rows are. `result` is a search's ({state: "ok",
   * body} or {state: "elsewhere" | "failed" | "pending", error}); `shown` is how many top
   * rows match when the rows are the sample's own (no answer for this filter). */
  function summary(result, q, host, shown, topCount) {
    const quoted = "“" + q + "”";
    if (result && result.state === "ok") {
      const b = result.body;
      let text = b.matched + " of " + plural(b.total, "process", "processes") + " "
        + (b.matched === 1 ? "matches " : "match ") + quoted;
      if (b.processes.length < b.matched) { text += " · showing the first " + b.processes.length; }
      if (b.unread) { text += " · " + b.unread + " still being read"; }
      return text;
    }
    const top = "Top processes only: " + shown + " of " + topCount + " "
      + (shown === 1 ? "matches " : "match ") + quoted;
    if (!result || result.state === "pending") { return top + " · searching all processes…"; }
    if (result.state === "elsewhere") {
      return top + " · the full process list of " + host + " is only on its own server";
    }
    return top + " · searching all processes failed" + (result.error ? " (" + result.error + ")" : "");
  }

  const keyOf = (want) => [want.host, want.q, want.sort.key, want.sort.dir].join("\u0000");

  /* Searches for the table: `want(w)` returns the newest answer for w's host and text (any
   * sort; null before the first) and starts a request when one is due. `onAnswer` runs when
   * an answer arrives (the table redraws). `fetch`, `now` and `setTimeout` are injectable. */
  class ProcessSearch {
    constructor(options) {
      this.prefix = options.prefix || "/";
      this.onAnswer = options.onAnswer || (() => undefined);
      this.fetch = options.fetch || ((url, init) => root.fetch(url, init));
      this.now = options.now || (() => performance.now());
      this.setTimeout = options.setTimeout || ((fn, ms) => setTimeout(fn, ms));
      this.busy = false;
      this.latest = null; // {host, q, key, at, state, body, error}
      this.wanted = null;
      this.changedAt = 0;
      this.timer = false;
    }

    want(w) {
      const key = keyOf(w);
      const t = this.now();
      if (!this.wanted || keyOf(this.wanted) !== key) { this.changedAt = t; }
      this.wanted = w;
      this.maybeAsk();
      const last = this.latest;
      return last && last.host === w.host && last.q === w.q ? last : null;
    }

    /* Starts the request that is due, or a timer for the moment it will be. */
    maybeAsk() {
      const w = this.wanted;
      if (!w || this.busy) { return; }
      const t = this.now();
      const last = this.latest;
      let dueAt = this.changedAt + DEBOUNCE_MS;
      if (last && last.key === keyOf(w)) {
        const unread = last.body && last.body.unread;
        const every = last.state === "elsewhere" ? ELSEWHERE_REFRESH_MS : REFRESH_MS;
        dueAt = last.at + (unread ? UNREAD_REFRESH_MS : every);
      }
      if (t < dueAt) {
        if (!this.timer) {
          this.timer = true;
          this.setTimeout(() => { this.timer = false; this.maybeAsk(); }, dueAt - t);
        }
        return;
      }
      this.ask(w);
    }

    ask(w) {
      this.busy = true;
      const abort = typeof AbortController !== "undefined" ? new AbortController() : null;
      const timer = abort ? setTimeout(() => abort.abort(), TIMEOUT_MS) : null;
      const done = (state, body, error) => {
        if (timer !== null) { clearTimeout(timer); }
        this.busy = false;
        this.latest = { host: w.host, q: w.q, key: keyOf(w), at: this.now(), state, body, error };
        this.onAnswer();
      };
      const init = { cache: "no-store", credentials: "same-origin" };
      if (abort) { init.signal = abort.signal; }
      this.fetch(searchUrl(this.prefix, w), init)
        .then((response) => response.json().catch(() => ({})).then((body) => {
          if (response.ok) { done("ok", body, null); return; }
          done(response.status === 409 ? "elsewhere" : "failed", null,
            body.error || "HTTP " + response.status);
        }))
        .catch((error) => done("failed", null, String((error && error.message) || error)));
    }

    /* Forgets the search (the filter was emptied): nothing is asked any more. */
    stop() { this.wanted = null; }
  }

  const search = { DEBOUNCE_MS, REFRESH_MS, LIMIT, searchUrl, summary, wholeCommand, ProcessSearch };
  (root.monitorLive = root.monitorLive || {}).search = search;
  if (typeof module !== "undefined" && module.exports) { module.exports = search; }
})(typeof window !== "undefined" ? window : globalThis);
