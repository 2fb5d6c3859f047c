/* The live page's metrics socket and its inbox: monitorLive.socket.
 *
 * The page owns its WebSocket (a plain browser WebSocket; nothing global is replaced). It used
 * to be the dash-extensions WebSocket component, which sets its `message` prop once per frame:
 * Dash then runs one callback per frame (hundreds for the backlog burst), and when it batches
 * prop changes only the newest message reaches the callback, so frames are lost. The
 * component offers no hook for that (no socket factory, no access to its socket), which is why
 * window.WebSocket was once replaced. Here instead:
 *
 *  - Inbox: every frame, in arrival order (and the samples the page polls), until the render
 *    callback takes them all; so no frame is lost however Dash batches.
 *  - MetricsSocket: one socket at a time. open(url) closes the previous one first, without
 *    reporting its close (the url changed on purpose). Each frame joins the inbox, and
 *    onFrames() is called at most once per FRAME_BATCH_MS; onState(readyState, closeCode) on open and
 *    close. While a socket exists, alive() is asked on every frame and once a second: when it
 *    says no (the live page left the document) the socket is closed.
 *  - EarlySocket (openEarly): the socket opened as soon as the scripts load, before Dash has
 *    rendered the live page, so the backlog is on its way while the renderer starts. Its frames
 *    wait until the page's first connect adopts it (MetricsSocket.adopt: same host, no sample
 *    yet); one that is not adopted within EARLY_TTL_MS, or that closed, is dropped.
 *
 * Loads under Node for tests (tests/js): pass `WebSocket` and `now` in the options there. */
(function (root) {
  "use strict";

  const FRAME_BATCH_MS = 16; // onFrames is called at most this often
  const ALIVE_CHECK_MS = 1000;
  const OPEN = 1;
  const CLOSED = 3;
  const EARLY_TTL_MS = 15000; // an early socket nobody adopted by then is closed

  class Inbox {
    constructor() {
      this.frames = [];
    }

    push(text) {
      this.frames.push(text);
    }

    /* Every frame recorded since the last take, oldest first. */
    take() {
      return this.frames.splice(0, this.frames.length);
    }

    clear() {
      this.frames.length = 0;
    }

    get length() {
      return this.frames.length;
    }
  }

  class MetricsSocket {
    /* options: {inbox, onFrames(), onState(readyState, closeCode), alive(), WebSocket, now} */
    constructor(options) {
      this.inbox = options.inbox;
      this.onFrames = options.onFrames || (() => undefined);
      this.onState = options.onState || (() => undefined);
      this.alive = options.alive || (() => true);
      this.Socket = options.WebSocket || root.WebSocket;
      this.now = options.now || (() => performance.now());
      this.ws = null;
      this.lastFrameAt = 0; // when the newest frame came (this.now() time)
      this.scheduled = null;
      this.checker = null;
    }

    open(url) {
      this.close();
      return this.wire(new this.Socket(url));
    }

    /* Takes over `early` (an EarlySocket still connecting or open): its frames join the inbox
     * and its open is reported, as if open() had made it. */
    adopt(early) {
      this.close();
      const frames = early.frames.splice(0, early.frames.length);
      const ws = this.wire(early.release());
      for (const frame of frames) { this.receive(frame); }
      if (ws.readyState === OPEN) {
        setTimeout(() => { if (this.ws === ws) { this.onState(OPEN); } }, 0);
      }
      return ws;
    }

    wire(ws) {
      this.ws = ws;
      ws.onopen = () => this.onState(OPEN);
      ws.onclose = (event) => {
        if (this.ws === ws) { this.drop(); }
        this.onState(CLOSED, event && event.code);
      };
      ws.onmessage = (event) => this.receive(event.data);
      this.checker = setInterval(() => this.check(), ALIVE_CHECK_MS);
      return ws;
    }

    receive(data) {
      if (!this.check()) { return; }
      this.inbox.push(data);
      this.lastFrameAt = this.now();
      if (this.scheduled === null) {
        this.scheduled = setTimeout(() => {
          this.scheduled = null;
          this.onFrames();
        }, FRAME_BATCH_MS);
      }
    }

    /* Closes the socket when the page no longer wants it; true while it does. */
    check() {
      if (this.alive()) { return true; }
      this.close();
      return false;
    }

    /* Closes the socket without reporting it; frames already recorded are still announced. */
    close() {
      const ws = this.drop();
      if (!ws) { return; }
      ws.onopen = null;
      ws.onclose = null;
      ws.onmessage = null;
      ws.close();
    }

    drop() {
      const ws = this.ws;
      this.ws = null;
      if (this.checker !== null) {
        clearInterval(this.checker);
        this.checker = null;
      }
      return ws;
    }
  }

  class EarlySocket {
    /* `url`: the socket's, for the followed `host`; options: {WebSocket, ttlMs}. */
    constructor(url, host, options) {
      const Socket = (options && options.WebSocket) || root.WebSocket;
      this.host = host;
      this.frames = [];
      this.ws = new Socket(url);
      this.ws.onmessage = (event) => this.frames.push(event.data);
      this.ws.onclose = () => this.release();
      this.timer = setTimeout(() => this.close(), (options && options.ttlMs) || EARLY_TTL_MS);
    }

    /* Whether the page, following `host` with no sample yet, can take this socket over. */
    usable(host) {
      return this.ws !== null && this.ws.readyState < 2 && this.host === host;
    }

    /* The socket, no longer this object's (its handlers are the taker's to set). */
    release() {
      const ws = this.ws;
      this.ws = null;
      clearTimeout(this.timer);
      if (ws) { ws.onmessage = null; ws.onclose = null; }
      return ws;
    }

    close() {
      const ws = this.release();
      if (ws) { ws.close(); }
    }
  }

  /* The early socket of a document that shows the live page (its path is Dash's prefix, and
   * the page's head names the socket: <meta name="monitor-live-socket" content="ws/metrics"
   * data-host="...">), or null. `api`, `hosts`: monitorLive.api and .hosts. */
  function openEarly(win, doc, api, hosts, options) {
    const meta = doc.querySelector('meta[name="monitor-live-socket"]');
    const prefix = api.prefix(doc);
    const path = win.location.pathname;
    if (!meta || (path !== prefix && path + "/" !== prefix)) { return null; }
    const host = hosts.urlHost(win.location.search) || meta.getAttribute("data-host");
    const url = api.socketUrl(win.location, prefix, meta.getAttribute("content"), {
      host: host, since: null, r: 0,
    });
    return new EarlySocket(url, host, options);
  }

  const socket = {
    FRAME_BATCH_MS, ALIVE_CHECK_MS, EARLY_TTL_MS, OPEN, CLOSED, Inbox, MetricsSocket,
    EarlySocket, openEarly,
  };
  (root.monitorLive = root.monitorLive || {}).socket = socket;
  if (typeof module !== "undefined" && module.exports) { module.exports = socket; }
})(typeof window !== "undefined" ? window : globalThis);
