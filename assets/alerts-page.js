/* The alerts page (app/pages/alerts.py): each poll fetches api/v1/alerts and api/v1/alerts/rules
 * and draws filters, one card per alert and the active silences into the page's root div (plain
 * DOM, as the live page's process table). Cards are kept by key so a note being typed survives
 * a redraw. Acknowledge, silence and end post JSON with a same-origin fetch (its Origin header
 * passes app/guard/csrf.py), then redraw at once. The pure parts are alerts.js. */
(function (root) {
  "use strict";

  const A = () => root.monitorAlerts;
  const DURATIONS = [["30m", "30 min"], ["1h", "1 hour"], ["2h", "2 hours"], ["4h", "4 hours"],
    ["1d", "1 day"], ["7d", "7 days"]];
  let S = null; // {el, cfg, body, rules, filters, cards: Map}

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") { node.textContent = value; }
      else if (key === "dataset") { Object.assign(node.dataset, value); }
      else { node.setAttribute(key, value); }
    }
    for (const child of children || []) { if (child) { node.appendChild(child); } }
    return node;
  }

  function select(name, label, options) {
    const box = el("select", { name: name, "aria-label": label });
    for (const [value, text] of options) { box.appendChild(el("option", { value: value, text: text })); }
    return el("label", { class: "alerts-filter" }, [el("span", { text: label }), box]);
  }

  function mount(container, cfg) {
    const states = A().STATES.map((s) => [s, A().stateLabel(s)]);
    const severities = A().SEVERITIES.map((s) => [s, A().severityLabel(s)]);
    const filters = el("div", { class: "alerts-filters" }, [
      select("host", "Host", [["", "All hosts"]]),
      select("severity", "Severity", [["", "All severities"]].concat(severities)),
      select("state", "State", [["", "All states"]].concat(states)),
    ]);
    const list = el("div", { class: "alerts-list", "aria-live": "polite" });
    const empty = el("p", { class: "alerts-empty", hidden: "" });
    const silences = el("section", { class: "alerts-silences panel" }, [
      el("h3", { text: "Active silences" }), el("ul", { class: "silence-list" }),
      el("p", { class: "silence-none", text: "No silence is in force." }),
    ]);
    container.replaceChildren(filters, el("p", { class: "alerts-error", hidden: "" }), empty,
      list, silences);
    // ?host=NAME (the hosts overview's alert marks link so) opens filtered to that host
    const host = new URLSearchParams(window.location.search).get("host") || "";
    S = { el: container, cfg: cfg, body: null, rules: null, filters: host ? { host: host } : {},
      cards: new Map() };
    filters.addEventListener("change", (event) => {
      S.filters[event.target.name] = event.target.value;
      draw();
    });
    container.addEventListener("click", onClick);
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) { throw new Error(path + ": HTTP " + response.status); }
    return response.json();
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });
    let answer = {};
    try { answer = await response.json(); } catch (_error) { answer = {}; }
    if (!response.ok) { throw new Error(answer.error || "HTTP " + response.status); }
    return answer;
  }

  /* "14:05" today, "Mar 3, 14:05" before: the pages' one clock (dashboard.js). */
  function localTime(ts) {
    return root.monitorFormat.when(ts, Date.now() / 1000);
  }

  function info(r, now) {
    const M = A();
    const when = r.state === "resolved"
      ? "resolved " + M.sinceText(r.resolvedAt, now) + " (" + localTime(r.resolvedAt) + ")"
      : (r.firing ? "firing since " : "pending since ") + localTime(r.since) + " · " +
        M.sinceText(r.since, now);
    const notes = [];
    if (r.acked) {
      notes.push("Acknowledged " + (r.ackedBy ? "by " + r.ackedBy + " " : "") +
        M.sinceText(r.ackedAt, now) +
        (r.ackNote ? ": " + r.ackNote : ""));
    }
    if (r.silence) { notes.push("Silenced until " + localTime(r.silence.until)); }
    return el("div", { class: "alert-info" }, [
      el("div", { class: "alert-head" }, [
        el("span", { class: "alert-sev", text: M.severityLabel(r.severity) }),
        el("span", { class: "alert-state", text: M.stateLabel(r.state) }),
        el("span", { class: "alert-title", text: r.title }),
        el("span", { class: "alert-rule", text: r.rule + (r.seriesShown ? " · " + r.seriesShown : "") }),
      ]),
      el("div", { class: "alert-facts" }, [
        el("span", { class: "alert-host", text: r.host }),
        el("span", { class: "alert-value", text: M.valueText(r) }),
        el("span", { class: "alert-since", text: when }),
      ]),
      notes.length ? el("div", { class: "alert-note-text", text: notes.join(" · ") }) : null,
    ]);
  }

  function actions(r) {
    const box = el("div", { class: "alert-actions" });
    if (r.state === "resolved") { return box; }
    if (r.firing && !r.acked) {
      box.append(
        el("input", { class: "alert-note", type: "text", maxlength: "500",
          placeholder: "Note (optional)", "aria-label": "Acknowledgement note" }),
        el("button", { type: "button", class: "alert-button", dataset: { act: "ack" },
          text: "Acknowledge" }));
    }
    if (!r.silence) {
      const durations = el("select", { class: "alert-for", "aria-label": "Silence for" });
      for (const [value, text] of DURATIONS) {
        durations.appendChild(el("option", { value: value, text: text }));
      }
      durations.value = "1h";
      box.append(durations, el("button", { type: "button", class: "alert-button",
        dataset: { act: "silence" }, text: "Silence" }));
    }
    box.appendChild(el("span", { class: "alert-msg", role: "status" }));
    return box;
  }

  /* One card per row, reusing the card (and its typed note) while its actions stay the same. */
  function card(r, now) {
    const shape = [r.state, r.firing, r.acked, !!r.silence].join();
    let node = S.cards.get(r.key);
    if (!node || node.dataset.shape !== shape) {
      node = el("article", { class: "alert-card", dataset: { key: r.key, shape: shape } },
        [el("div"), actions(r)]);
      S.cards.set(r.key, node);
    }
    node.className = "alert-card sev-" + (r.severity || "none") + " state-" + r.state;
    Object.assign(node.dataset, { rule: r.rule, host: r.host, series: r.series, state: r.state });
    node.replaceChild(info(r, now), node.firstChild);
    return node;
  }

  function drawFilters(rows) {
    const hostBox = S.el.querySelector("select[name=host]");
    const hosts = A().hostsOf(rows);
    if (S.filters.host && !hosts.includes(S.filters.host)) { hosts.push(S.filters.host); }
    const wanted = [""].concat(hosts);
    const have = Array.from(hostBox.options, (o) => o.value);
    if (wanted.join("\u0001") === have.join("\u0001")) { return; }
    hostBox.replaceChildren(...wanted.map((h) => el("option", { value: h, text: h || "All hosts" })));
    hostBox.value = S.filters.host || "";
  }

  function drawSilences(now) {
    const items = ((S.body && S.body.silences) || []).map((s) => el("li", { class: "silence" }, [
      el("span", { class: "silence-what", text: A().silenceText(s) }),
      el("span", { class: "silence-until",
        text: "until " + localTime(s.until) + " (" + A().sinceText(s.until, now) + ")" +
          (s.actor ? " · by " + s.actor : "") + (s.note ? " · " + s.note : "") }),
      el("button", { type: "button", class: "alert-button", dataset: { act: "end", id: s.id },
        text: "End" }),
    ]));
    S.el.querySelector(".silence-list").replaceChildren(...items);
    S.el.querySelector(".silence-none").hidden = items.length > 0;
  }

  function draw() {
    if (!S || !S.body) { return ""; }
    const M = A();
    const now = Date.now() / 1000;
    const all = M.buildRows(S.body, S.rules, now);
    const shown = M.sortRows(M.filterRows(all, S.filters));
    drawFilters(all);
    const cards = shown.map((r) => card(r, now));
    const keep = new Set(shown.map((r) => r.key));
    for (const key of Array.from(S.cards.keys())) { if (!keep.has(key)) { S.cards.delete(key); } }
    S.el.querySelector(".alerts-list").replaceChildren(...cards);
    const empty = S.el.querySelector(".alerts-empty");
    empty.textContent = M.emptyText(all, shown);
    empty.hidden = !empty.textContent;
    drawSilences(now);
    return M.summaryText(all);
  }

  function showError(text) {
    const box = S && S.el.querySelector(".alerts-error");
    if (box) { box.textContent = text; box.hidden = !text; }
  }

  async function refresh() {
    const since = encodeURIComponent((S.cfg && S.cfg.since) || "now-1d");
    const [body, rules] = await Promise.all([
      getJson("api/v1/alerts?kind=resolved&limit=200&since=" + since),
      getJson("api/v1/alerts/rules"),
    ]);
    S.body = body;
    S.rules = rules;
    showError("");
    return draw();
  }

  function request(button) {
    const act = button.dataset.act;
    if (act === "end") { return ["api/v1/alerts/silences/" + button.dataset.id + "/end", {}]; }
    const node = button.closest(".alert-card");
    const r = { rule: node.dataset.rule, host: node.dataset.host, series: node.dataset.series };
    if (act === "ack") {
      const note = node.querySelector(".alert-note");
      return ["api/v1/alerts/acknowledge", Object.assign(r, { note: note ? note.value : "" })];
    }
    return ["api/v1/alerts/silences", A().silenceBody(r, node.querySelector(".alert-for").value)];
  }

  async function onClick(event) {
    const button = event.target.closest("button[data-act]");
    if (!button || button.disabled) { return; }
    const msg = button.closest(".alert-card, .silence");
    const status = msg && msg.querySelector(".alert-msg");
    button.disabled = true;
    try {
      const [path, body] = request(button);
      await post(path, body);
      const summary = await refresh();
      root.dash_clientside.set_props(S.cfg.summaryId, { children: summary });
    } catch (error) {
      const text = String(error.message || error);
      if (status) { status.textContent = text; } else { showError(text); }
      button.disabled = false;
    }
  }

  /* Callback: poll tick -> the summary line; a failed fetch says so above the list. */
  async function render(_n, cfg) {
    const container = cfg && document.getElementById(cfg.rootId);
    if (!container) { return root.dash_clientside.no_update; }
    if (!S || S.el !== container || !container.firstChild) { mount(container, cfg); }
    const header = document.getElementById(cfg.hostnameId);
    if (header && header.textContent !== cfg.host) {
      root.dash_clientside.set_props(cfg.hostnameId, { children: cfg.host });
    }
    try {
      return await refresh();
    } catch (error) {
      showError("Could not load the alerts (" + String(error.message || error) + "); retrying.");
      return root.dash_clientside.no_update;
    }
  }

  root.dash_clientside = Object.assign({}, root.dash_clientside, { alerts: { render: render } });
})(typeof window !== "undefined" ? window : globalThis);
