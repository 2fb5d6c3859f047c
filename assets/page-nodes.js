/* Dash components' JSON as DOM nodes, for the runtime of the pages served without Dash's
 * renderer (page-runtime.js): the `children` the live page's scripts build ({type, namespace:
 * "dash_html_components", props}), texts and numbers, lists of them; and React's style
 * objects as CSS. A text is always a text node: nothing here parses markup, so a process named
 * "<script>" stays a name. Loads under Node for tests/js: monitorPageNodes. */
(function (root) {
  "use strict";

  const UNITLESS = new Set(["opacity", "zIndex", "flex", "flexGrow", "flexShrink",
    "fontWeight", "lineHeight", "order"]);
  const SKIPPED = new Set(["children", "className", "style", "n_clicks", "n_clicks_timestamp",
    "disable_n_clicks", "key", "loading_state", "setProps"]);
  const ATTRIBUTE_NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;
  const TAG_NAME = /^[a-z][a-z0-9]*$/;

  /* A style key and value as CSS: camelCase -> kebab-case, numbers in px where React's are. */
  function cssDeclaration(name, value) {
    const property = name.startsWith("--") ? name
      : name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
    const px = typeof value === "number" && value !== 0 && !UNITLESS.has(name);
    return [property, px ? value + "px" : String(value)];
  }

  function setStyle(el, style) {
    el.removeAttribute("style");
    for (const [name, value] of Object.entries(style || {})) {
      if (value === null || value === undefined) { continue; }
      el.style.setProperty(...cssDeclaration(name, value));
    }
  }

  /* DOM nodes of a Dash `children` value: text, numbers, lists and dash_html_components
   * JSON ({type, namespace, props}); a text is always a text node, never parsed as markup. */
  function toNodes(doc, value) {
    if (value === null || value === undefined || typeof value === "boolean") { return []; }
    if (Array.isArray(value)) { return value.flatMap((v) => toNodes(doc, v)); }
    if (typeof value !== "object") { return [doc.createTextNode(String(value))]; }
    if (value.namespace !== "dash_html_components") {
      throw new Error("no DOM for component " + value.namespace + "." + value.type);
    }
    const tag = String(value.type).toLowerCase();
    if (!TAG_NAME.test(tag)) { throw new Error("not a tag name: " + value.type); }
    const el = doc.createElement(tag);
    const props = value.props || {};
    for (const [name, v] of Object.entries(props)) {
      if (SKIPPED.has(name) || v === null || v === undefined || v === false) { continue; }
      if (!ATTRIBUTE_NAME.test(name)) { throw new Error("not an attribute name: " + name); }
      el.setAttribute(name === "htmlFor" ? "for" : name, v === true ? "" : String(v));
    }
    if (props.className) { el.className = props.className; }
    if (props.style) { setStyle(el, props.style); }
    for (const child of toNodes(doc, props.children)) { el.appendChild(child); }
    return [el];
  }

  const api = { cssDeclaration, setStyle, toNodes };
  root.monitorPageNodes = api;
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
})(typeof window !== "undefined" ? window : globalThis);
