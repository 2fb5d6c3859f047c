"""Is a page readable? Measured in the browser on what it draws: every visible text, input,
button and chart axis text against its effective background, sideways scrolling, and chart
backgrounds against the page.

``contrast_failures`` walks every visible element that shows text (its own text nodes, an
input's value or placeholder, SVG text such as Plotly's axis ticks), takes its computed text
colour (SVG: its fill) with the opacity of it and its ancestors, composes the backgrounds of it
and its ancestors (semi-transparent ones over what is beneath) down to the first opaque one, and
computes the WCAG contrast ratio of the two. Disabled controls are exempt, as WCAG exempts them.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

MIN_CONTRAST = 4.5

COLOR_JS = r"""
const parseColor = (text) => {
  const t = String(text || '').trim();
  if (!t || t === 'transparent' || t === 'none') { return [0, 0, 0, 0]; }
  let m = /^rgba?\(([^)]+)\)$/.exec(t);
  if (m) {
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  m = /^color\(srgb ([^)]+)\)$/.exec(t);
  if (m) {
    const p = m[1].split(/[\s/]+/).filter(Boolean).map(Number);
    return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
  }
  const probe = document.createElement('span');  // any other syntax: let the browser say
  probe.style.color = t;
  document.body.appendChild(probe);
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  return resolved === t ? [0, 0, 0, 0] : parseColor(resolved);
};
const over = (top, bottom) => {  // `top` (with its alpha) composed over opaque `bottom`
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
};
const luminance = (c) => {
  const f = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
const ratio = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const canvas = () => (getComputedStyle(document.documentElement).colorScheme.includes('dark')
  ? [18, 18, 18, 1] : [255, 255, 255, 1]);
const backgroundOf = (el) => {  // the colour behind `el`'s text
  const layers = [];
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    const c = parseColor(getComputedStyle(n).backgroundColor);
    if (c[3] > 0) { layers.push(c); }
    if (c[3] >= 1) { break; }
  }
  let bg = canvas();
  for (const layer of layers.reverse()) { bg = over(layer, bg); }
  return bg;
};
const opacityOf = (el) => {
  let o = 1;
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    o *= Number(getComputedStyle(n).opacity);
  }
  return o;
};
"""

CONTRAST_JS = (
    "(minimum) => {"
    + COLOR_JS
    + r"""
  const failures = [];
  let checked = 0;
  const shows = (el) => {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) { return false; }
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;
  };
  const ownText = (el) => Array.from(el.childNodes)
    .filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
  for (const el of document.body.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    const svg = el instanceof SVGElement;
    const field = ['input', 'textarea', 'select'].includes(tag);
    if (['script', 'style', 'option', 'title'].includes(tag)) { continue; }
    if (el.closest('[disabled], [aria-disabled="true"], [aria-hidden="true"]')) { continue; }
    if (field && ['hidden', 'checkbox', 'radio', 'range', 'color'].includes(el.type)) { continue; }
    let text = svg ? (tag === 'text' || tag === 'tspan' ? ownText(el) : '') : ownText(el);
    let placeholder = false;
    if (field) {
      text = tag === 'select' ? (el.selectedOptions[0] || {}).text || '' : el.value;
      if (!text && el.placeholder) { text = el.placeholder; placeholder = true; }
    }
    if (!text || !shows(el)) { continue; }
    const css = getComputedStyle(el, placeholder ? '::placeholder' : null);
    const fg = svg ? parseColor(css.fill) : parseColor(css.color);
    if (svg) { fg[3] *= Number(css.fillOpacity); }
    fg[3] *= opacityOf(el);
    const bg = backgroundOf(el);
    const value = ratio(over(fg, bg), bg);
    checked += 1;
    if (value < minimum) {
      failures.push({
        text: text.slice(0, 60),
        tag: tag,
        cls: String(el.className.baseVal ?? el.className).slice(0, 60),
        fg: css[svg ? 'fill' : 'color'],
        bg: 'rgb(' + bg.slice(0, 3).map(Math.round).join(',') + ')',
        ratio: Math.round(value * 100) / 100,
      });
    }
  }
  return { checked: checked, failures: failures };
}"""
)

CHARTS_JS = (
    "() => {"
    + COLOR_JS
    + r"""
  const page = backgroundOf(document.body);
  return Array.from(document.querySelectorAll('.js-plotly-plot')).filter((gd) => gd._fullLayout)
    .map((gd) => {
      const under = backgroundOf(gd.parentElement);
      const paper = over(parseColor(gd._fullLayout.paper_bgcolor), under);
      const plot = over(parseColor(gd._fullLayout.plot_bgcolor), paper);
      const lighter = (c) => (luminance(c) > luminance(page) ? ratio(c, page) : 1);
      const id = (gd.closest('[id]') || {}).id || '';
      return { id: id, paper: lighter(paper), plot: lighter(plot) };
    });
}"""
)


def contrast_failures(page: Page, minimum: float = MIN_CONTRAST) -> list[dict[str, Any]]:
    """Every visible text, input and chart text of ``page`` under ``minimum`` contrast."""
    result = page.evaluate(CONTRAST_JS, minimum)
    assert result["checked"] > 10, f"only {result['checked']} texts found: is the page drawn?"
    return result["failures"]


def sideways_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def lighter_charts(page: Page, tolerance: float = 1.25) -> list[dict[str, Any]]:
    """Charts whose paper or plot background is lighter than the page beyond ``tolerance``
    (a contrast ratio: a chart on a panel a shade lighter than the page passes, a white chart
    on a dark page does not)."""
    charts = page.evaluate(CHARTS_JS)
    return [c for c in charts if c["paper"] > tolerance or c["plot"] > tolerance]
