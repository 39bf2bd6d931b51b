// Live prompts over the WebSocket /console/api/live. Prompts only say what changed; the page refetches.
// A dropped connection is retried with growing, jittered delays; every reconnect asks the page to catch up.

const PATH = "/console/api/live";
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

export class LiveConnection extends EventTarget {
  constructor() {
    super();
    this.socket = null;
    this.state = "idle";
    this.attempt = 0;
    this.timer = null;
    this.retryAt = null;
    this.stopped = true;
    this.everConnected = false;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close(1000);
      this.socket = null;
    }
    this.setState("idle");
  }

  /** Reconnect at once (the "connect now" button, or the tab coming back online). */
  retryNow() {
    if (this.stopped || this.state === "connected" || this.state === "connecting") return;
    clearTimeout(this.timer);
    this.open();
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.setState("connecting");
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}${PATH}`);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.everConnected;
      this.everConnected = true;
      this.attempt = 0;
      this.setState("connected");
      this.dispatchEvent(new CustomEvent("sync", { detail: { reconnected } }));
    };
    socket.onmessage = (event) => {
      let prompt;
      try {
        prompt = JSON.parse(event.data);
      } catch {
        return;
      }
      if (prompt && typeof prompt === "object" && typeof prompt.type === "string") {
        this.dispatchEvent(new CustomEvent("prompt", { detail: prompt }));
      }
    };
    socket.onclose = (event) => {
      this.socket = null;
      if (this.stopped) return;
      this.dispatchEvent(new CustomEvent("closed", { detail: { code: event.code } }));
      this.scheduleRetry();
    };
    socket.onerror = () => {
      // onclose follows and schedules the retry.
    };
  }

  scheduleRetry() {
    if (this.stopped) return;
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.setState("offline");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), delay);
  }

  setState(state) {
    if (this.state === state && state !== "offline") return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, retryAt: this.retryAt } }));
  }
}
