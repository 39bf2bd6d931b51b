// The console's JSON API (/console/api/, docs/console-api.md): one fetch wrapper that sends the
// session cookie, puts X-CSRF-Token on every change, and turns failures into ApiError with a status.

import { t } from "./i18n.js";
import { duration } from "./format.js";

const BASE = "/console/api";
const CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let csrfToken = null;
const unauthorizedListeners = new Set();

export function setCsrf(token) {
  csrfToken = token || null;
}

/** Called when any request answers 401: the session is gone, the page goes back to the login. */
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

export class ApiError extends Error {
  constructor(status, body = null, retryAfter = null) {
    super(describe(status, body, retryAfter));
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }

  get code() {
    return this.body?.error?.code ?? this.body?.code ?? null;
  }
}

function serverMessage(body) {
  const message = body?.error?.message ?? body?.message ?? body?.detail;
  return typeof message === "string" ? message.slice(0, 300) : null;
}

function describe(status, body, retryAfter) {
  if (status === 0) return t("errors.network");
  if (status === 403) return body?.error?.code === "csrf" ? t("errors.csrf") : t("errors.forbidden");
  if (status === 409) return t("errors.conflict");
  if (status === 429) return t("errors.tooMany", { wait: duration(retryAfter ?? 30) });
  if (status === 400 || status === 422) return t("errors.invalid", { message: serverMessage(body) ?? status });
  return t("errors.server", { status });
}

function retryAfterOf(response, body) {
  const header = response.headers.get("Retry-After");
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - Date.now()) / 1000));
  }
  const fromBody = body?.retry_after ?? body?.error?.retry_after;
  return Number.isFinite(Number(fromBody)) && fromBody != null ? Number(fromBody) : null;
}

export async function request(method, path, { json, form, signal, quiet401 = false, headers = {} } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers }, signal };
  if (CHANGING.has(method) && csrfToken) init.headers["X-CSRF-Token"] = csrfToken;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(`${BASE}${path}`, init);
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0);
  }
  const type = response.headers.get("Content-Type") ?? "";
  let body = null;
  if (type.includes("json")) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  if (response.ok) return body ?? {};
  const error = new ApiError(response.status, body, retryAfterOf(response, body));
  if (response.status === 401 && !quiet401) for (const listener of unauthorizedListeners) listener(error);
  throw error;
}

export const api = {
  login: (login, password) => request("POST", "/login", { json: { login, password }, quiet401: true }),
  logout: () => request("POST", "/logout", { quiet401: true }),
  me: () => request("GET", "/me", { quiet401: true }),
  setStatus: (status) => request("PUT", "/me/status", { json: { status } }),
  conversations: (view) => request("GET", `/conversations?view=${encodeURIComponent(view)}`),
  conversation: (id) => request("GET", `/conversations/${encodeURIComponent(id)}`),
  messagesAfter: (id, after) =>
    request("GET", `/conversations/${encodeURIComponent(id)}/messages?after=${encodeURIComponent(after)}`),
  take: (id) => request("POST", `/conversations/${encodeURIComponent(id)}/take`),
  read: (id) => request("POST", `/conversations/${encodeURIComponent(id)}/read`),
  reply(id, text, file, idempotencyKey) {
    const headers = idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {};
    const path = `/conversations/${encodeURIComponent(id)}/messages`;
    if (!file) return request("POST", path, { json: { text }, headers });
    const form = new FormData();
    if (text) form.append("text", text);
    form.append("file", file, file.name);
    return request("POST", path, { form, headers });
  },
  note: (id, text) => request("POST", `/conversations/${encodeURIComponent(id)}/notes`, { json: { text } }),
  transfer: (id, target) => request("POST", `/conversations/${encodeURIComponent(id)}/transfer`, { json: target }),
  close: (id, reason) => request("POST", `/conversations/${encodeURIComponent(id)}/close`, { json: { reason } }),
  queues: () => request("GET", "/queues"),
  people: () => request("GET", "/people"),
  canned: () => request("GET", "/canned"),
  cannedPreview: (id, cannedId) =>
    request("POST", `/conversations/${encodeURIComponent(id)}/canned/${encodeURIComponent(cannedId)}/preview`),
  supervisor: () => request("GET", "/supervisor"),
  broadcasts: () => request("GET", "/broadcasts"),
  broadcastPreview: (audience) => request("POST", "/broadcasts/preview", { json: audience }),
  createBroadcast: (body) => request("POST", "/broadcasts", { json: body }),
  steerBroadcast: (id, action, body = undefined) =>
    request("POST", `/broadcasts/${encodeURIComponent(id)}/${action}`, body ? { json: body } : {}),
  figures: (from, to) =>
    request("GET", `/figures?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
};
