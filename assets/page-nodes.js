/* Dash components' JSON as DOM nodes, for the runtime of the pages served without Dash's
 * renderer (page-runtime.js) and for what a Dash page draws outside React (the hosts page's
 * tiles: patchChildren): the `children` the live page's scripts build ({type, namespace:
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

  /* The items of a `children` value, flattened: texts (as strings) and components. */
  function items(value) {
    if (value === null || value === undefined || typeof value === "boolean") { return []; }
    if (Array.isArray(value)) { return value.flatMap(items); }
    return [typeof value === "object" ? value : String(value)];
  }

  /* Makes `el`'s children what toNodes(value) would build, reusing the nodes there: an
   * element of the same tag at the same place keeps its node (its attributes, class, style and
   * children patched in place) and a text node takes the new text, so focus and hover inside
   * survive a redraw that changes texts and classes. */
  function patchChildren(doc, el, value) {
    const wanted = items(value);
    const have = Array.from(el.childNodes);
    wanted.forEach((item, i) => {
      const node = have[i];
      if (typeof item === "string") {
        if (node && node.nodeType === 3) {
          if (node.nodeValue !== item) { node.nodeValue = item; }
          return;
        }
        const text = doc.createTextNode(item);
        if (node) { el.replaceChild(text, node); } else { el.appendChild(text); }
        return;
      }
      const tag = String(item.type).toLowerCase();
      if (node && node.nodeType === 1 && node.tagName.toLowerCase() === tag &&
          item.namespace === "dash_html_components") {
        patchElement(doc, node, item.props || {});
        return;
      }
      const [fresh] = toNodes(doc, item);
      if (node) { el.replaceChild(fresh, node); } else { el.appendChild(fresh); }
    });
    for (const extra of have.slice(wanted.length)) { el.removeChild(extra); }
  }

  function patchElement(doc, node, props) {
    const kept = new Set(["class", "style"]);
    for (const [name, v] of Object.entries(props)) {
      if (SKIPPED.has(name) || v === null || v === undefined || v === false) { continue; }
      if (!ATTRIBUTE_NAME.test(name)) { throw new Error("not an attribute name: " + name); }
      const attribute = name === "htmlFor" ? "for" : name;
      const text = v === true ? "" : String(v);
      kept.add(attribute);
      if (node.getAttribute(attribute) !== text) { node.setAttribute(attribute, text); }
    }
    for (const name of node.getAttributeNames()) {
      if (!kept.has(name)) { node.removeAttribute(name); }
    }
    if (node.className !== (props.className || "")) { node.className = props.className || ""; }
    if (props.style) { setStyle(node, props.style); } else { node.removeAttribute("style"); }
    patchChildren(doc, node, props.children);
  }

  const api = { cssDeclaration, setStyle, toNodes, patchChildren };
  root.monitorPageNodes = api;
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
})(typeof window !== "undefined" ? window : globalThis);
