/* The alerts page's "Try a rule" panel (app/pages/alerts.py): pick a rule in force or paste
 * one, a range and a host, and POST api/v1/alerts/test with a same-origin fetch (its Origin
 * header passes app/guard/csrf.py); the answer is drawn as a summary line and a table of
 * periods, an error next to the field it names. Plain DOM; the pure parts are alerts-trial.js. */
(function (root) {
  "use strict";

  const T = () => root.monitorAlertsTrial;
  const COLUMNS = [["when", "When"], ["length", "How long"], ["severity", "Severity"],
    ["peak", "Peak"], ["host", "Host"], ["series", "Series"]];

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") { node.textContent = value; } else { node.setAttribute(key, value); }
    }
    for (const child of children || []) { if (child) { node.appendChild(child); } }
    return node;
  }

  const error = (field) => el("p", { class: "field-message trial-error", "data-for": field,
    hidden: "" });

  function field(label, id, control, name) {
    return el("div", { class: "field trial-field trial-field-" + name }, [
      el("label", { class: "field-label", for: id, text: label }), control, error(name)]);
  }

  /* The shared segmented control (dashboard.css .segmented) over the three ranges. */
  function rangePicker() {
    const options = T().RANGES.map(([value, label]) => el("label", { class: "trial-segment" }, [
      el("input", Object.assign({ type: "radio", name: "since", value: value },
        value === "7d" ? { checked: "" } : {})),
      el("span", { text: label })]));
    return el("fieldset", { class: "field trial-field trial-range" }, [
      el("legend", { class: "field-label", text: "Range" }),
      el("div", { class: "segmented trial-segments" }, options), error("since")]);
  }

  function form() {
    const rule = el("select", { id: "trial-rule", name: "rule", class: "select" },
      [el("option", { value: T().OWN, text: "A rule of my own (TOML)" })]);
    const toml = el("textarea", { id: "trial-toml", name: "toml", class: "input trial-text",
      rows: "9", spellcheck: "false",
      placeholder: T().PLACEHOLDER, "aria-describedby": "trial-toml-help" });
    const host = el("select", { id: "trial-host", name: "host", class: "select" },
      [el("option", { value: "", text: "Every host" })]);
    return el("form", { class: "trial-form", novalidate: "" }, [
      el("div", { class: "trial-choices" }, [
        field("Rule", "trial-rule", rule, "rule"), rangePicker(),
        field("Host", "trial-host", host, "host")]),
      el("div", { class: "field trial-field trial-field-toml", hidden: "" }, [
        el("label", { class: "field-label", for: "trial-toml", text: "Rule text" }),
        el("span", { id: "trial-toml-help", class: "trial-help",
          text: "One or more [[rule]] tables, as in the rule file." }),
        toml, error("toml")]),
      el("div", { class: "trial-actions" }, [
        el("button", { type: "submit", class: "button button--primary trial-run", text: "Run" }),
        el("span", { class: "trial-status", role: "status" }), error("")]),
    ]);
  }

  function fill(select, options, keep) {
    const before = select.value;
    select.replaceChildren(...keep, ...options.map(([value, text]) =>
      el("option", { value: value, text: text })));
    if (Array.from(select.options).some((o) => o.value === before)) { select.value = before; }
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) { throw new Error(path + ": HTTP " + response.status); }
    return response.json();
  }

  /* The rules in force and the stored hosts, into the pickers; the first rule is chosen
   * unless the user already chose (a rule of their own) while these loaded. */
  async function loadChoices(box) {
    const [rules, hosts] = await Promise.all([getJson("api/v1/alerts/rules"),
      getJson("api/v1/hosts")]);
    const rule = box.querySelector("#trial-rule");
    const chosen = box.dataset.chosen === "1" ? rule.value : "";
    const own = rule.querySelector("option[value='" + T().OWN + "']");
    const options = T().ruleOptions(rules);
    fill(rule, options, []);
    rule.appendChild(own);
    rule.value = chosen || (options.length ? options[0][0] : T().OWN);
    const host = box.querySelector("#trial-host");
    fill(host, ((hosts && hosts.hosts) || []).map((h) => [h.host, h.host]),
      [host.options[0]]);
    showToml(box);
  }

  function showToml(box) {
    const own = box.querySelector("#trial-rule").value === T().OWN;
    box.querySelector(".trial-field-toml").hidden = !own;
  }

  function showErrors(box, found) {
    for (const node of box.querySelectorAll(".trial-error")) {
      const mine = found && node.dataset.for === found.field;
      node.textContent = mine ? found.text : "";
      node.hidden = !mine;
    }
    for (const name of ["rule", "toml", "host"]) {
      const control = box.querySelector("#trial-" + name);
      if (found && found.field === name) { control.setAttribute("aria-invalid", "true"); }
      else { control.removeAttribute("aria-invalid"); }
    }
  }

  function table(answer) {
    const head = el("tr", {}, COLUMNS.map(([, label]) => el("th", { scope: "col", text: label })));
    const body = T().rows(answer).map((r) => el("tr", { class: "trial-row " + r.severityClass },
      COLUMNS.map(([key, label]) => el("td", { class: "trial-" + key, "data-label": label,
        text: r[key] }))));
    return el("div", { class: "trial-table-wrap" }, [
      el("table", { class: "trial-table" }, [el("thead", {}, [head]), el("tbody", {}, body)])]);
  }

  function drawAnswer(box, answer, since) {
    const result = box.querySelector(".trial-result");
    const parts = [el("p", { class: "trial-summary", text: T().summaryText(answer, since) }),
      el("p", { class: "trial-meta", text: T().metaText(answer) })];
    if ((answer.periods || []).length) { parts.push(table(answer)); }
    result.replaceChildren(...parts);
    result.hidden = false;
  }

  async function run(box) {
    const data = new FormData(box.querySelector(".trial-form"));
    const since = data.get("since") || "7d";
    const body = T().requestBody({ rule: data.get("rule"), toml: data.get("toml"),
      since: since, host: data.get("host") });
    const button = box.querySelector(".trial-run");
    const status = box.querySelector(".trial-status");
    button.disabled = true;
    status.textContent = "Replaying the history…";
    showErrors(box, null);
    try {
      const response = await fetch("api/v1/alerts/test", {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      let answer = {};
      try { answer = await response.json(); } catch (_error) { answer = {}; }
      if (!response.ok) {
        showErrors(box, T().errorField(answer, response.status));
        box.querySelector(".trial-result").hidden = true;
      } else { drawAnswer(box, answer, since); }
    } catch (failure) {
      showErrors(box, { field: "", text: "Could not reach the server (" +
        String(failure.message || failure) + ")." });
    } finally {
      button.disabled = false;
      status.textContent = "";
    }
  }

  /* Callback: draws the panel once per page load; later calls leave it as it is. */
  function mount(cfg) {
    const box = cfg && document.getElementById(cfg.trialId);
    if (!box) { return root.dash_clientside.no_update; }
    if (box.firstChild) { return root.dash_clientside.no_update; }
    box.replaceChildren(
      el("h3", { text: "Try a rule against the past" }),
      el("p", { class: "trial-intro", text: "How often would a rule have fired on the stored " +
        "history, when, and for how long? Answer \u201cwill it be noisy?\u201d before anyone " +
        "is paged." }),
      form(), el("div", { class: "trial-result", "aria-live": "polite", hidden: "" }));
    box.querySelector("#trial-rule").addEventListener("change", () => {
      box.dataset.chosen = "1";
      showToml(box);
    });
    box.querySelector(".trial-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run(box);
    });
    loadChoices(box).catch((failure) => showErrors(box, { field: "",
      text: "Could not load the rules and hosts (" + String(failure.message || failure) + ")." }));
    return "mounted";
  }

  root.dash_clientside = Object.assign({}, root.dash_clientside,
    { alertsTrial: { mount: mount } });
})(typeof window !== "undefined" ? window : globalThis);
