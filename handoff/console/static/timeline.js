// The history of one open conversation as the page holds it: entries from the server (by id, never twice),
// the person's own replies while they are being sent, and the private notes, in time order.

const AUTHORS = new Set(["client", "bot", "person", "system"]);

function personName(value) {
  if (value == null) return null;
  if (typeof value === "string") return value;
  return value.name ?? value.display_name ?? value.login ?? null;
}

function personLogin(value) {
  if (value == null || typeof value === "string") return typeof value === "string" ? value : null;
  return value.login ?? null;
}

/** One history line from the API (or a note), in the shape the page draws. */
function normalizeEntry(raw, { note = false } = {}) {
  const isNote = note || raw.kind === "note" || raw.private === true || raw.note === true;
  const author = AUTHORS.has(raw.author) ? raw.author : isNote ? "person" : "system";
  const attachment = raw.attachment ?? raw.file ?? null;
  return {
    id: raw.id ?? null,
    at: raw.at ?? raw.created_at ?? null,
    author,
    channel: raw.channel ?? null,
    text: typeof raw.text === "string" ? raw.text : "",
    person: personName(raw.person ?? raw.actor ?? raw.author_name),
    personLogin: personLogin(raw.person ?? raw.actor),
    attachment:
      attachment && typeof attachment === "object"
        ? {
            name: attachment.name ?? attachment.filename ?? "file",
            url: attachment.url ?? attachment.href ?? null,
            mime: attachment.mime ?? attachment.content_type ?? "",
            size: attachment.size ?? null,
          }
        : null,
    status: raw.status ?? null,
    note: isNote,
    kind: typeof raw.kind === "string" ? raw.kind : null,
    event: raw.event ?? null,
    actor: typeof raw.actor === "string" ? raw.actor : null,
    broadcast: raw.broadcast && typeof raw.broadcast === "object" ? raw.broadcast : null,
    local: false,
  };
}

function keyOf(entry) {
  if (entry.localKey) return entry.localKey;
  if (entry.id != null) return `id:${entry.id}`;
  return `${entry.author}|${entry.at}|${entry.text}`;
}

function timeOf(entry) {
  const value = Date.parse(entry.at ?? "");
  return Number.isNaN(value) ? Number.MAX_SAFE_INTEGER : value;
}

let localCounter = 0;

export class Timeline {
  constructor() {
    this.entries = new Map();
  }

  /** Adds or updates server entries; answers whether anything changed, and how many were new. */
  merge(rawEntries, options = {}) {
    let added = 0;
    let changed = false;
    for (const raw of rawEntries ?? []) {
      if (!raw || typeof raw !== "object") continue;
      const entry = normalizeEntry(raw, options);
      if (options.onlyNew && this.entries.has(keyOf(entry))) continue;
      const adopted = this.adoptPending(entry);
      const key = adopted ?? keyOf(entry);
      const before = this.entries.get(key);
      if (adopted) this.entries.delete(adopted);
      const finalKey = keyOf(entry);
      const existing = this.entries.get(finalKey);
      if (!existing && !before) added += 1;
      if (!existing || signature(existing) !== signature(entry)) changed = true;
      this.entries.set(finalKey, entry);
    }
    return { added, changed };
  }

  /** A server copy of a reply still shown as "sending" replaces it instead of doubling it. */
  adoptPending(entry) {
    if (entry.author !== "person" || entry.note) return null;
    for (const [key, pending] of this.entries) {
      if (!pending.local || pending.id != null || pending.status === "failed") continue;
      if (pending.text === entry.text && (pending.attachment?.name ?? null) === (entry.attachment?.name ?? null)) {
        return key;
      }
    }
    return null;
  }

  addPending({ text, file, person, channel, note = false }) {
    localCounter += 1;
    const localKey = `local:${localCounter}`;
    this.entries.set(localKey, {
      localKey,
      id: null,
      at: new Date().toISOString(),
      author: "person",
      channel,
      text,
      person: personName(person),
      personLogin: personLogin(person),
      attachment: file ? { name: file.name, url: null, mime: file.type, size: file.size } : null,
      file,
      status: "sending",
      note,
      kind: null,
      event: null,
      local: true,
    });
    return localKey;
  }

  get(key) {
    return this.entries.get(key) ?? null;
  }

  /** The reply was accepted: it now has its server id (unless the live copy already arrived). */
  confirmPending(localKey, id, status) {
    const pending = this.entries.get(localKey);
    if (!pending) return;
    this.entries.delete(localKey);
    const key = `id:${id}`;
    if (id != null && this.entries.has(key)) return;
    const confirmed = { ...pending, localKey: undefined, id, status: status ?? "queued", file: undefined };
    this.entries.set(id != null ? key : localKey, confirmed);
  }

  markSending(localKey) {
    const pending = this.entries.get(localKey);
    if (pending) this.entries.set(localKey, { ...pending, status: "sending" });
  }

  failPending(localKey) {
    const pending = this.entries.get(localKey);
    if (pending) this.entries.set(localKey, { ...pending, status: "failed" });
  }

  remove(key) {
    this.entries.delete(key);
  }

  has(id) {
    return this.entries.has(`id:${id}`);
  }

  sorted() {
    return [...this.entries.entries()]
      .map(([key, entry], order) => ({ key, entry, order }))
      .sort((a, b) => timeOf(a.entry) - timeOf(b.entry) || a.order - b.order);
  }
}

export function signature(entry) {
  return [entry.status, entry.text, entry.attachment?.url ?? "", entry.person ?? "", entry.actor ?? ""].join("\u0001");
}
