/* Clientside callbacks: the browser fetches and formats samples; the server sends data only. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  monitor: {
    /* Fetches the latest sample from the REST API (relative URL: works under a path prefix). */
    fetchLatest: async function (_n) {
      const response = await fetch("api/v1/latest", { cache: "no-store" });
      if (!response.ok) { return window.dash_clientside.no_update; }
      return await response.json();
    },
    /* Formats the summary cards from one sample. */
    renderCards: function (sample) {
      if (!sample) { return Array(6).fill(window.dash_clientside.no_update); }
      const pct = (v) => (v === null || v === undefined ? "–" : v.toFixed(1) + " %");
      const load = sample.load ? sample.load.load1.toFixed(2) : "–";
      const up = sample.system ? formatDuration(sample.system.uptime_s) : "–";
      const when = new Date(sample.ts * 1000).toLocaleTimeString();
      return [
        sample.host,
        pct(sample.cpu && sample.cpu.total),
        pct(sample.memory && sample.memory.percent),
        load,
        up,
        "sample #" + sample.seq + " at " + when,
      ];
    },
  },
});

function formatDuration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return (d ? d + "d " : "") + h + "h " + m + "m";
}
