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
 *
 * Loads under Node for tests (tests/js): pass `WebSocket` and `now` in the options there. */
(function (root) {
  "use strict";

  const FRAME_BATCH_MS = 16; // onFrames is called at most this often
  const ALIVE_CHECK_MS = 1000;
  const OPEN = 1;
  const CLOSED = 3;

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
      const ws = new this.Socket(url);
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

  const socket = { FRAME_BATCH_MS, ALIVE_CHECK_MS, OPEN, CLOSED, Inbox, MetricsSocket };
  (root.monitorLive = root.monitorLive || {}).socket = socket;
  if (typeof module !== "undefined" && module.exports) { module.exports = socket; }
})(typeof window !== "undefined" ? window : globalThis);
