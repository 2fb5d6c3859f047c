/* The runtime of a page served as HTML without Dash's renderer (the live page:
 * app/web/live_document.py). It runs the page's clientside callbacks (window.dash_clientside,
 * registered by the page's assets) with the parts of Dash's semantics they rely on:
 *
 *   - the wiring is the page's JSON (#page-data): each callback's inputs, states, outputs and
 *     prevent_initial_call, taken from the Python registration, and each component's initial
 *     props (stores' data, intervals, graphs' figure and config, radio options, input values);
 *   - inputs and states are read from those props, kept current by the DOM's events (a
 *     button's n_clicks, a radio group's value, an input's value), the intervals' ticks, the
 *     location, dash_clientside.set_props and the callbacks' outputs; a change runs every
 *     callback it is an input of, after the current one, with callback_context.triggered;
 *   - a callback returns one value, or a list for several outputs; dash_clientside.no_update
 *     leaves an output alone, throwing dash_clientside.PreventUpdate leaves them all;
 *   - an output is applied to the DOM: a figure is drawn with Plotly.react on the graph's plot
 *     div (the first at once, the others one per animation frame), children (text, numbers,
 *     lists, dash_html_components JSON: page-nodes.js) replace the element's content, never
 *     as markup; className and style are set, other props become attributes.
 *
 * The pure parts are exported for tests/js (Node). */
(function (root) {
  "use strict";

  const NO_UPDATE = { description: "Return to prevent updating an Output." };
  const PREVENT_UPDATE = { description: "Throw to prevent updating all Outputs." };
  const NOT_IN_DOM = new Set(["data", "n_clicks", "n_intervals", "interval", "disabled",
    "max_intervals", "options", "config"]);
  const nodes = () => root.monitorPageNodes || require("./page-nodes.js");
  const INITIAL_FIGURES_MS = 1000; // a graph no callback has drawn by then shows its own
  const LOCATION_PROPS = ["pathname", "search", "hash", "href"];

  /* [[id, prop, value], ...] that `result` sets: a list for several outputs, else one value;
   * no_update leaves an output alone. */
  function changes(callback, result, noUpdate) {
    const outputs = callback.outputs;
    if (!outputs.length) { return []; }
    const values = callback.multi ? result : [result];
    if (!Array.isArray(values) || values.length !== outputs.length) {
      throw new Error("callback " + callback.namespace + "." + callback.function + " returned " +
        (Array.isArray(values) ? values.length : typeof values) + " values for " +
        outputs.length + " outputs");
    }
    const out = [];
    outputs.forEach(([id, prop], i) => {
      if (values[i] !== noUpdate) { out.push([id, prop, values[i]]); }
    });
    return out;
  }

  /* [index, ["id.prop" that triggered it]] of each callback (in registration order) that the
   * changed "id.prop"s are inputs of. */
  function triggeredBy(callbacks, changed) {
    const runs = [];
    callbacks.forEach((callback, index) => {
      const ids = callback.inputs.map(([id, prop]) => id + "." + prop)
        .filter((p) => changed.has(p));
      if (ids.length) { runs.push([index, ids]); }
    });
    return runs;
  }

  /* "id.prop" -> [id, prop] (the prop is after the last dot). */
  function splitPropId(propId) {
    const dot = propId.lastIndexOf(".");
    return [propId.slice(0, dot), propId.slice(dot + 1)];
  }

  function report(error) {
    if (error !== PREVENT_UPDATE) { setTimeout(() => { throw error; }, 0); } // uncaught
  }

  class Runtime {
    constructor(win, doc, data) {
      this.win = win;
      this.doc = doc;
      this.components = data.components;
      this.callbacks = data.callbacks;
      this.pending = new Set(); // "id.prop" changed since the callbacks last ran
      this.scheduled = false;
      this.draws = new Map(); // graph id -> its latest figure not drawn yet
      this.drawn = new Set();
      this.frame = false;
    }

    read(id, prop) {
      const c = this.components[id];
      if (c && c.kind === "location") { return this.win.location[prop]; }
      const value = c ? c.props[prop] : undefined;
      return value === undefined && prop === "n_clicks" ? 0 : value;
    }

    /* dash_clientside.set_props, and every output: props kept, the DOM updated, the
     * callbacks of these inputs run after the current ones. */
    set(id, props) {
      const c = this.components[id] || (this.components[id] = { kind: "element", props: {} });
      for (const [prop, value] of Object.entries(props || {})) {
        c.props[prop] = value;
        this.show(id, c, prop, value);
        this.pending.add(id + "." + prop);
      }
      this.schedule();
    }

    schedule() {
      if (this.scheduled) { return; }
      this.scheduled = true;
      Promise.resolve().then(() => {
        this.scheduled = false;
        const changed = this.pending;
        this.pending = new Set();
        for (const [index, ids] of triggeredBy(this.callbacks, changed)) { this.run(index, ids); }
      });
    }

    run(index, ids) {
      const callback = this.callbacks[index];
      const dc = this.win.dash_clientside;
      const fn = (dc[callback.namespace] || {})[callback.function];
      if (typeof fn !== "function") {
        report(new Error("no clientside function " + callback.namespace + "." + callback.function));
        return;
      }
      const args = callback.inputs.concat(callback.state).map(([id, prop]) => this.read(id, prop));
      dc.callback_context = {
        triggered: ids.map((p) => ({ prop_id: p, value: this.read(...splitPropId(p)) })),
        triggered_id: ids.length ? splitPropId(ids[0])[0] : null,
      };
      let result;
      try {
        result = fn.apply(null, args);
      } catch (error) {
        report(error);
        return;
      } finally {
        dc.callback_context = {};
      }
      const apply = (value) => {
        for (const [id, prop, v] of changes(callback, value, NO_UPDATE)) {
          this.set(id, { [prop]: v });
        }
      };
      if (result && typeof result.then === "function") { result.then(apply, report); return; }
      try { apply(result); } catch (error) { report(error); }
    }

    show(id, c, prop, value) {
      if (c.kind === "graph" && prop === "figure") { this.queueDraw(id, value); return; }
      const el = this.doc.getElementById(id);
      if (!el || NOT_IN_DOM.has(prop)) { return; }
      if (prop === "children") { el.replaceChildren(...nodes().toNodes(this.doc, value)); }
      else if (prop === "className") { el.className = value || ""; }
      else if (prop === "style") { nodes().setStyle(el, value); }
      else if (prop === "value" && c.kind === "radio") { this.showRadio(el, c.props); }
      else if (prop === "value") { if (el.value !== (value ?? "")) { el.value = value ?? ""; } }
      else if (value === null || value === undefined || value === false) {
        el.removeAttribute(prop);
      } else { el.setAttribute(prop, value === true ? "" : String(value)); }
    }

    showRadio(el, props) {
      el.querySelectorAll("label[data-option-index]").forEach((label) => {
        const chosen = props.options[Number(label.dataset.optionIndex)] === props.value;
        label.classList.toggle("selected", chosen);
        label.setAttribute("aria-selected", String(chosen));
        const input = label.querySelector("input");
        if (input) { input.checked = chosen; }
      });
    }

    /* The graph's figure is drawn soon: the first waiting one at once, one per frame after. */
    queueDraw(id, figure) {
      this.draws.delete(id);
      this.draws.set(id, figure);
      if (!this.frame) { this.drawNext(); }
    }

    /* Draws the first figure waiting (none before plotly.js is there), then waits a frame. */
    drawNext() {
      this.frame = false;
      const first = this.draws.keys().next();
      if (first.done) { return; }
      if (this.win.Plotly) {
        const figure = this.draws.get(first.value);
        this.draws.delete(first.value);
        this.draw(this.win.Plotly, first.value, figure);
      }
      this.frame = true;
      const next = () => this.drawNext();
      if (this.doc.hidden) { setTimeout(next, 50); } else { this.win.requestAnimationFrame(next); }
    }

    draw(plotly, id, figure) {
      const holder = this.doc.getElementById(id);
      const gd = holder && holder.querySelector(".graph-plot");
      if (!gd || !figure) { return; }
      const config = this.components[id].props.config || {};
      const layout = Object.assign(config.responsive ? { autosize: true } : {}, figure.layout);
      this.drawn.add(id);
      try {
        plotly.react(gd, figure.data || [], layout, Object.assign({}, config, figure.config));
      } catch (error) { report(error); }
    }

    /* Clicks, radio groups and inputs update their props; intervals tick; graphs follow their
     * box's size; the callbacks without prevent_initial_call run once. */
    start() {
      const doc = this.doc;
      doc.addEventListener("click", (event) => {
        for (let el = event.target; el && el !== doc; el = el.parentNode) {
          const c = el.id && this.components[el.id];
          if (c && c.kind === "element" && "n_clicks" in c.props) {
            this.set(el.id, { n_clicks: (c.props.n_clicks || 0) + 1 });
          }
        }
      });
      doc.addEventListener("change", (event) => this.fromInput(event.target));
      doc.addEventListener("input", (event) => this.fromInput(event.target));
      const locations = [];
      for (const [id, c] of Object.entries(this.components)) {
        if (c.kind === "interval") { this.tick(id, c.props); }
        if (c.kind === "graph") { this.follow(id); }
        if (c.kind === "location") { locations.push(id); }
      }
      this.win.addEventListener("popstate", () => {
        for (const id of locations) {
          LOCATION_PROPS.forEach((p) => this.pending.add(id + "." + p));
        }
        this.schedule();
      });
      this.callbacks.forEach((callback, index) => {
        if (!callback.preventInitialCall) { this.run(index, []); }
      });
      setTimeout(() => {
        for (const [id, c] of Object.entries(this.components)) {
          const waiting = c.kind === "graph" && !this.drawn.has(id) && !this.draws.has(id);
          if (waiting) { this.queueDraw(id, c.props.figure); }
        }
      }, INITIAL_FIGURES_MS);
    }

    fromInput(target) {
      const radio = target && target.type === "radio" && target.closest(".dash-radioitems[id]");
      if (radio) {
        const options = this.components[radio.id].props.options;
        const value = options[Number(target.closest("label").dataset.optionIndex)];
        if (value !== this.components[radio.id].props.value) { this.set(radio.id, { value }); }
        return;
      }
      const c = target && target.id && this.components[target.id];
      if (c && c.kind === "input" && c.props.value !== target.value) {
        this.set(target.id, { value: target.value });
      }
    }

    tick(id, props) {
      this.win.setInterval(() => {
        const max = props.max_intervals;
        if (props.disabled || (max >= 0 && props.n_intervals >= max)) { return; }
        this.set(id, { n_intervals: (props.n_intervals || 0) + 1 });
      }, props.interval);
    }

    follow(id) {
      const holder = this.doc.getElementById(id);
      if (!holder || typeof this.win.ResizeObserver !== "function") { return; }
      new this.win.ResizeObserver(() => {
        const gd = holder.querySelector(".graph-plot");
        if (gd && gd._fullLayout && this.win.Plotly) { this.win.Plotly.Plots.resize(gd); }
      }).observe(holder);
    }
  }

  const api = { NO_UPDATE, PREVENT_UPDATE, changes, triggeredBy, splitPropId, Runtime };
  root.monitorPage = api;
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }

  const data = root.document && root.document.getElementById("page-data");
  if (data) {
    const runtime = new Runtime(root, root.document, JSON.parse(data.textContent));
    root.dash_clientside = Object.assign(root.dash_clientside || {}, {
      no_update: NO_UPDATE,
      PreventUpdate: PREVENT_UPDATE,
      set_props: (id, props) => runtime.set(id, props),
      callback_context: {},
    });
    api.runtime = runtime;
    runtime.start();
  }
})(typeof window !== "undefined" ? window : globalThis);
