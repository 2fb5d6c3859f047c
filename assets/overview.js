/* Fleet overview: fetches /api/v1/overview and returns the host tiles as Dash components. */
(function () {
  const h = (type, props, children) => ({
    type: type, namespace: "dash_html_components",
    props: Object.assign({}, props, children === undefined ? {} : { children: children }),
  });
  const pct = (v) => (v === null || v === undefined ? "–" : v.toFixed(1) + " %");
  function rate(bytes) {
    if (bytes === null || bytes === undefined) { return "–"; }
    const units = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
    let i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i += 1; }
    return bytes.toFixed(i ? 1 : 0) + " " + units[i];
  }
  function age(seconds) {
    if (seconds < 90) { return Math.round(seconds) + " s ago"; }
    if (seconds < 5400) { return Math.round(seconds / 60) + " min ago"; }
    return Math.round(seconds / 3600) + " h ago";
  }
  /* A CPU sparkline as an SVG data URL (0–100 %, newest on the right). */
  function sparkline(values) {
    const w = 240, hgt = 40, n = values.length;
    if (n < 2) { return ""; }
    const points = values.map(function (v, i) {
      const y = v === null ? hgt : hgt - (Math.min(100, Math.max(0, v)) / 100) * hgt;
      return (i * w / (n - 1)).toFixed(1) + "," + y.toFixed(1);
    }).join(" ");
    const svg = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " + w + " " + hgt +
      "' preserveAspectRatio='none'><polyline fill='none' stroke='%233b82f6' stroke-width='2' points='" +
      points + "'/></svg>";
    return "data:image/svg+xml;utf8," + svg.replace(/</g, "%3C").replace(/>/g, "%3E");
  }
  function tile(host) {
    const down = !host.reporting;
    const status = down ? "not reporting · last sample " + age(host.age_s) : "reporting";
    return h("a", {
      href: "./?host=" + encodeURIComponent(host.host),
      className: "host-tile" + (down ? " host-down" : ""),
      "data-host": host.host, title: "Open the live view of " + host.host,
    }, [
      h("div", { className: "host-tile-head" }, [
        h("span", { className: "host-name" }, host.host),
        h("span", { className: "host-status" }, status),
      ]),
      h("div", { className: "host-values" }, [
        h("span", {}, "CPU " + pct(host.cpu)),
        h("span", {}, "Mem " + pct(host.memory)),
        h("span", {}, "Disk " + pct(host.disk_full)),
        h("span", {}, "Disk I/O " + rate(host.disk_bps)),
        h("span", {}, "Net " + rate(host.net_bps)),
      ]),
      h("img", { className: "host-spark", src: sparkline(host.spark), alt: "CPU, last minutes" }),
    ]);
  }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    overview: {
      render: async function () {
        let body;
        try {
          const response = await fetch("api/v1/overview", { cache: "no-store" });
          if (!response.ok) { return window.dash_clientside.no_update; }
          body = await response.json();
        } catch (error) {
          return window.dash_clientside.no_update;
        }
        if (!body.hosts.length) {
          return h("p", { className: "overview-empty" }, "No host has reported yet.");
        }
        return body.hosts.map(tile);
      },
    },
  });
})();
