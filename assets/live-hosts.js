/* The host the live page follows, and the host picker: monitorLive.hosts.
 *
 * The page follows ?host= of its URL, else the server's own host. The picker (a <select> this
 * file puts in its empty Dash container) lists /api/v1/hosts, re-read once a minute, and soon
 * (within a clock tick) when the pointer or the focus comes to the picker, when the socket
 * opens and when the followed host's samples come while the list lacks it: the page costs the
 * server one small request a minute while nobody looks at the picker. Hosts not reporting are
 * marked, and so is the picker while the followed host is one of them.
 * Switching host in place writes ?host= with history.replaceState, then fires Dash's own
 * _dashprivate_pushstate event the way dcc.Link does, so dcc.Location's props match the URL
 * again (the pathname is unchanged, so the router renders nothing). */
(function (root) {
  "use strict";

  const HOSTS_MIN_MS = 1000; // the host list is re-read at most this often

  /* The host named by ?host= in `search` (a location.search), or null. */
  function urlHost(search) {
    return new URLSearchParams(search || "").get("host") || null;
  }

  /* `href` with ?host=`host` (path, query and hash), or null when it names that host already. */
  function withHost(href, host) {
    const url = new URL(href);
    if (url.searchParams.get("host") === host) { return null; }
    url.searchParams.set("host", host);
    return url.pathname + url.search + url.hash;
  }

  /* Sets ?host= of the page URL without a new history entry, and tells dcc.Location. */
  function writeUrlHost(host) {
    const next = withHost(window.location.href, host);
    if (next === null) { return; }
    window.history.replaceState(window.history.state, "", next);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  }

  /* The picker's options, [name, reporting (true, false, or null: not in the list)], in the
   * list's order with `current` last when missing; `down`: the current host is not reporting. */
  function pickerOptions(hosts, current) {
    const list = hosts.map((h) => [String(h.host), h.reporting !== false]);
    if (!list.some(([name]) => name === current)) { list.push([current, null]); }
    const down = list.some(([name, reporting]) => name === current && reporting === false);
    return { list: list, down: down };
  }

  /* The known hosts (the newest /api/v1/hosts answer; a failed read keeps the list). */
  class HostList {
    constructor(fetcher) {
      this.hosts = [];
      this.fetcher = fetcher;
      this.asked = false; // re-read at the next refresh, though not due
      this.readAt = -Infinity; // when the last read started
      this.missing = new Set(); // hosts whose samples came while the list lacked them
    }

    /* Asks for a re-read at the next refresh (still at most once per HOSTS_MIN_MS). */
    soon() {
      this.asked = true;
    }

    /* Asks for a re-read, once per host, when the list (once read) lacks `host`. */
    expect(host) {
      if (!host || this.fetcher.okAt === -Infinity || this.missing.has(host)) { return; }
      if (this.hosts.some((entry) => entry.host === host)) { return; }
      this.missing.add(host);
      this.soon();
    }

    /* The interval (s) the list gives for `host`, else `fallback`. */
    intervalOf(host, fallback) {
      const known = this.hosts.find((entry) => entry.host === host);
      return (known && known.interval_s > 0 && known.interval_s) || fallback;
    }

    /* Re-reads the list when due (every `everyMs`, at least HOSTS_MIN_MS) or asked (soon, or
     * `heard`: a host whose samples come, when the list lacks it); `changed` runs after a new
     * list was taken, unless `wanted()` says the page moved on. */
    refresh(t, url, everyMs, heard, wanted, changed) {
      this.expect(heard);
      if (this.asked && t >= this.readAt + HOSTS_MIN_MS) { this.fetcher.nextAt = 0; }
      const started = this.fetcher.maybe(t, Math.max(HOSTS_MIN_MS, everyMs), url, 0, (text) => {
        let body;
        try {
          body = JSON.parse(text);
        } catch (_e) {
          return false;
        }
        if (!body || !Array.isArray(body.hosts) || !wanted()) { return false; }
        this.hosts = body.hosts;
        changed();
        return true;
      });
      if (started) {
        this.asked = false;
        this.readAt = t;
      }
    }
  }

  /* A <select> of the known hosts; its options are rebuilt only when the list changes.
   * `onLook()` runs when the pointer or the focus comes to it (the list is wanted fresh). */
  class HostPicker {
    constructor(container, onPick, onLook) {
      this.container = container;
      this.key = null;
      this.select = document.createElement("select");
      this.select.className = "host-select";
      this.select.setAttribute("aria-label", "Host");
      this.select.title = "Host shown on this page";
      this.select.addEventListener("change", () => onPick(this.select.value));
      for (const name of ["pointerenter", "focus"]) { this.select.addEventListener(name, onLook); }
      container.replaceChildren(this.select);
    }

    show(hosts, current) {
      const { list, down } = pickerOptions(hosts, current);
      const key = JSON.stringify([list, current]);
      if (key === this.key) { return; }
      this.key = key;
      this.select.replaceChildren.apply(this.select, list.map(([name, reporting]) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name + (reporting === false ? " · not reporting" : "");
        option.dataset.reporting = String(reporting);
        return option;
      }));
      this.select.value = current;
      this.select.classList.toggle("host-select--down", down);
    }
  }

  /* The picker in the element `id` of the page (`existing` while that still shows it), made
   * and filled when new; null while the page has no such element. */
  function attachPicker(existing, id, onPick, onLook, hosts, current) {
    const container = document.getElementById(id);
    if (!container) { return null; }
    if (existing && existing.container === container) { return existing; }
    const picker = new HostPicker(container, onPick, onLook);
    picker.show(hosts, current);
    return picker;
  }

  const hosts = {
    HOSTS_MIN_MS, urlHost, withHost, writeUrlHost, pickerOptions, HostList, HostPicker,
    attachPicker,
  };
  (root.monitorLive = root.monitorLive || {}).hosts = hosts;
  if (typeof module !== "undefined" && module.exports) { module.exports = hosts; }
})(typeof window !== "undefined" ? window : globalThis);
