/* History page: the only thing the browser computes is its time zone; the server draws. */
(function (root) {
  "use strict";

  root.dash_clientside = Object.assign({}, root.dash_clientside, {
    history: {
      /* The IANA time zone of this browser (e.g. "Europe/Berlin"), for every time on the page. */
      timeZone: function (_init) {
        try {
          return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
        } catch (_err) {
          return "UTC";
        }
      },
    },
  });
})(typeof window !== "undefined" ? window : globalThis);
