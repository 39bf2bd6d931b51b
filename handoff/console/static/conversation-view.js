// The open conversation: the header with take / transfer / close, a banner saying who holds it, the whole
// history across channels, and the reply box. Live prompts make it fetch what is new after its cursor.

import { api } from "./api.js";
import { createComposer } from "./composer.js";
import { tickWaits } from "./conversation-list.js";
import { closeDialog, transferDialog } from "./dialogs.js";
import { channelMark, h, icon } from "./dom.js";
import { clock, day, dayKey, fileSize, hueOf, initials, parseTime, secondsSince, timeOfDay, when } from "./format.js";
import { locale, t, tMaybe } from "./i18n.js";
import { queueTitle } from "./queues.js";
import { Timeline, signature } from "./timeline.js";
import { toast } from "./toast.js";

const GROUP_GAP_MS = 5 * 60 * 1000;
const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

export function createConversationView({ session, canSupervise, onPacket, onChanged, onTakenByMe, onToggleContext, onBack }) {
  let id = null;
  let packet = null;
  let timeline = new Timeline();
  let cursor = null;
  let generation = 0;
  let chain = Promise.resolve();
  let composer = null;
  let composerKind = null;
  let readTimer = null;
  let contextOpen = true;
  const nodes = new Map();

  const header = h("header", { class: "chat-header" });
  const banner = h("div", { class: "chat-banner", hidden: true, role: "status" });
  const log = h("div", {
    class: "history",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": t("conversation.history"),
    tabindex: "0",
  });
  const newMessages = h(
    "button",
    { type: "button", class: "btn btn-primary btn-sm new-messages", hidden: true, onclick: () => scrollToBottom(true) },
    icon("expand", { size: 16 }),
    t("conversation.newMessages"),
  );
  const historyWrap = h("div", { class: "history-wrap" }, log, newMessages);
  const composerHost = h("div");
  const element = h("section", { class: "pane chat-pane", "aria-label": t("conversation.history") });
  log.addEventListener("scroll", () => {
    if (nearBottom()) newMessages.hidden = true;
  });

  const me = () => session.person ?? {};
  const isMine = () => packet?.state === "assigned" && packet.assignee?.login === me().login;
  const heldByOther = () => packet?.state === "assigned" && packet.assignee && packet.assignee.login !== me().login;

  // ---- states of the pane

  function showEmpty() {
    element.replaceChildren(
      h(
        "div",
        { class: "empty-state fill" },
        icon("inbox"),
        h("strong", {}, t("conversation.emptyTitle")),
        h("span", {}, t("conversation.emptyText")),
      ),
    );
  }

  function showLoading() {
    element.replaceChildren(h("div", { class: "loading" }, h("div", { class: "spinner", role: "img", "aria-label": t("app.loading") })));
  }

  function showFailure(error) {
    const text =
      error.status === 403 ? t("conversation.forbidden") : error.status === 404 ? t("conversation.notFound") : `${t("conversation.loadFailed")} ${error.message}`;
    const retry = error.status === 403 || error.status === 404 ? null : h("button", { type: "button", class: "btn", onclick: () => reopen() }, t("conversation.retry"));
    element.replaceChildren(
      h("div", { class: "empty-state fill" }, icon(error.status === 403 ? "lock" : "error"), h("strong", {}, text), retry),
    );
  }

  function reopen() {
    const current = id;
    id = null;
    open(current);
  }

  async function open(nextId) {
    if (nextId != null && String(nextId) === String(id)) return;
    generation += 1;
    id = nextId == null ? null : String(nextId);
    packet = null;
    timeline = new Timeline();
    cursor = null;
    nodes.clear();
    composer = null;
    composerKind = null;
    clearTimeout(readTimer);
    if (id == null) {
      showEmpty();
      return;
    }
    showLoading();
    const mine = generation;
    try {
      const answer = await api.conversation(id);
      if (mine !== generation) return;
      applyPacket(answer);
      element.replaceChildren(header, banner, historyWrap, composerHost);
      drawAll({ stick: true });
    } catch (error) {
      if (mine !== generation || error.status === 401) return;
      onPacket(null);
      showFailure(error);
    }
  }

  function applyPacket(answer) {
    packet = answer;
    timeline.merge(answer.history ?? []);
    timeline.merge(answer.notes ?? [], { note: true, onlyNew: true });
    if (answer.cursor != null) cursor = answer.cursor;
    onPacket(packet);
  }

  // ---- live

  function serial(task) {
    const mine = generation;
    chain = chain.then(() => (mine === generation ? task(mine) : null)).catch(() => {});
    return chain;
  }

  /** Fetches what came after the cursor; ``full`` refetches the packet too (state, statuses, context). */
  function catchUp({ full = false } = {}) {
    if (id == null || !packet) return Promise.resolve();
    return serial(async (mine) => {
      if (full || cursor == null) {
        const answer = await api.conversation(id);
        if (mine !== generation) return;
        applyPacket(answer);
        drawAll({});
        return;
      }
      const answer = await api.messagesAfter(id, cursor);
      if (mine !== generation) return;
      const { added } = timeline.merge(answer.items ?? []);
      if (answer.cursor != null) cursor = answer.cursor;
      drawHistory({ announce: added > 0 });
      if (added) scheduleRead();
    });
  }

  function onMessagePrompt(prompt) {
    if (id == null || String(prompt.conversation_id) !== id) return;
    const messageId = typeof prompt.message_id === "number" ? `m${prompt.message_id}` : prompt.message_id;
    // A prompt for an entry already held means its status changed: only the packet says so.
    catchUp({ full: messageId != null && timeline.has(messageId) });
  }

  function onConversationPrompt(prompt) {
    if (id != null && String(prompt.id) === id) catchUp({ full: true });
  }

  // ---- drawing

  function drawAll({ stick = false }) {
    drawHeader();
    drawBanner();
    drawComposer();
    drawHistory({ stick });
    scheduleRead();
  }

  function drawHeader() {
    const client = packet.client ?? {};
    const name = client.name || `#${id}`;
    const avatar = h("span", { class: "avatar" }, initials(name), channelMark(packet.channel, { size: 16, label: t(`channel.${packet.channel}`) }));
    avatar.style.setProperty("--hue", String(hueOf(client.id ?? name)));
    const meta = [h("span", { class: `chip ${packet.state === "assigned" ? "chip-ok" : packet.state === "queued" ? "chip-warn" : ""}` }, t(`state.${packet.state}`))];
    if (packet.priority === 0) meta.unshift(h("span", { class: "chip chip-emergency" }, icon("warning", { size: 13 }), t("priority.emergency")));
    meta.push(h("span", { class: "chip chip-queue", title: packet.queue }, queueTitle(packet.queue)));
    const channels = uniqueChannels(packet);
    if (channels.length) {
      meta.push(
        h(
          "span",
          { class: "channels", role: "list", "aria-label": t("conversation.linkedChannels") },
          channels.map((channel) => h("span", { role: "listitem" }, channelMark(channel, { size: 16, label: t(`channel.${channel}`) }))),
        ),
      );
    }
    if (packet.waiting_since && packet.state !== "closed") {
      meta.push(
        h("span", { class: "conv-wait", "data-since": packet.waiting_since, title: t("conversation.waitingTitle") }, icon("clock", { size: 14 }), h("span", { class: "tick" }, clock(secondsSince(packet.waiting_since) ?? 0))),
      );
    }
    if (heldByOther()) meta.push(h("span", {}, t("conversation.assignedTo", { name: packet.assignee.name ?? packet.assignee.login })));

    const actions = [];
    const canManage = packet.state !== "closed" && (isMine() || canSupervise);
    if (canManage) {
      actions.push(
        h("button", { type: "button", class: "btn", onclick: transfer }, icon("transfer", { size: 18 }), h("span", { class: "btn-label" }, t("conversation.transfer"))),
        h("button", { type: "button", class: `btn ${isMine() ? "btn-success" : ""}`, onclick: close }, icon("done", { size: 18 }), h("span", { class: "btn-label" }, t("conversation.close"))),
      );
    }
    const contextButton = h(
      "button",
      {
        type: "button",
        class: "icon-btn",
        "aria-label": t("conversation.context"),
        title: t("conversation.context"),
        "aria-pressed": String(contextOpen),
        "aria-controls": "context-pane",
        onclick: onToggleContext,
      },
      icon("panel"),
    );
    header.replaceChildren(
      h("button", { type: "button", class: "icon-btn back-btn", "aria-label": t("conversation.back"), onclick: onBack }, icon("back")),
      avatar,
      h("div", { class: "chat-title" }, h("h2", { id: "conversation-title" }, name), h("div", { class: "chat-meta" }, meta)),
      h("div", { class: "chat-actions" }, actions, contextButton),
    );
  }

  function drawBanner() {
    let kind = null;
    let text = null;
    let iconName = "info";
    if (packet.state === "closed") {
      kind = "info";
      text = packet.closed_reason ? t("conversation.closedBanner", { reason: packet.closed_reason }) : t("conversation.closedNoReason");
      iconName = "done";
    } else if (packet.priority === 0) {
      kind = "danger";
      text = t("conversation.emergencyTitle");
      iconName = "warning";
    } else if (packet.state === "queued") {
      kind = "warn";
      text = withTick(t("conversation.queuedBanner", { wait: "\u0000" }), packet.waiting_since ?? packet.queued_at);
      iconName = "clock";
    } else if (heldByOther()) {
      kind = "info";
      text = t("conversation.heldBy", { name: packet.assignee.name ?? packet.assignee.login });
      iconName = "person";
    } else if (packet.state === "bot") {
      kind = "info";
      text = t("conversation.botBanner");
      iconName = "bot";
    }
    banner.hidden = !text;
    banner.className = `chat-banner is-${kind ?? "info"}`;
    if (text) banner.replaceChildren(icon(iconName), h("span", {}, text));
    tickWaits(banner);
  }

  function drawComposer() {
    const closed = packet.state === "closed";
    const kind = closed ? "closed" : packet.state === "queued" ? "queued" : isMine() ? "reply" : "note";
    const channelName = t(`channel.${packet.channel}`);
    const hint = kind === "note" ? t("composer.notYours") : whatsappWindowClosed() ? t("composer.windowHint") : null;
    if (kind === composerKind && composer) {
      composer.update({ channelName, hint });
      return;
    }
    composerKind = kind;
    composer = null;
    if (kind === "closed") {
      composerHost.replaceChildren(h("div", { class: "composer-locked" }, icon("lock"), t("composer.closed")));
      return;
    }
    if (kind === "queued") {
      composerHost.replaceChildren(
        h(
          "div",
          { class: "composer-locked" },
          icon("clock"),
          h("span", {}, t("conversation.takeToReply")),
          h(
            "button",
            { type: "button", class: "btn btn-primary btn-lg", id: "take-button", onclick: take },
            icon("take", { size: 18 }),
            h("span", {}, t("conversation.take")),
          ),
        ),
      );
      return;
    }
    composer = createComposer({
      conversationId: id,
      noteOnly: kind === "note",
      channelName,
      hint,
      onSend: send,
      onNote: saveNote,
    });
    composerHost.replaceChildren(composer.element);
  }

  function whatsappWindowClosed() {
    if (packet.channel !== "whatsapp") return false;
    const whatsapp = (packet.channels ?? []).find((channel) => channel.channel === "whatsapp");
    const last = parseTime(whatsapp?.last_inbound_at);
    return last ? Date.now() - last.getTime() > WHATSAPP_WINDOW_MS : false;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollToBottom(smooth = false) {
    log.scrollTo({ top: log.scrollHeight, behavior: smooth ? "smooth" : "auto" });
    newMessages.hidden = true;
  }

  function drawHistory({ stick = false, announce = false }) {
    if (!packet) return;
    const wasNearBottom = nearBottom();
    const wanted = [];
    const keys = new Set();
    let previous = null;
    let lastDay = null;
    for (const { key, entry } of timeline.sorted()) {
      keys.add(key);
      const dk = dayKey(entry.at);
      if (dk && dk !== lastDay) {
        const cachedDay = nodes.get(`day:${dk}`);
        const dayNode = cachedDay && cachedDay.sig === locale() ? cachedDay.node : h("div", { class: "day-divider", role: "separator" }, day(entry.at));
        nodes.set(`day:${dk}`, { sig: locale(), node: dayNode });
        keys.add(`day:${dk}`);
        wanted.push(dayNode);
        lastDay = dk;
        previous = null;
      }
      const continued = continues(previous, entry);
      const sig = `${signature(entry)}|${continued}|${locale()}|${entry.local ? entry.status : ""}`;
      const cached = nodes.get(key);
      if (!cached || cached.sig !== sig) {
        const node = renderEntry(key, entry, continued);
        if (cached?.node.isConnected) cached.node.replaceWith(node);
        nodes.set(key, { sig, node });
      }
      wanted.push(nodes.get(key).node);
      previous = entry;
    }
    for (const key of [...nodes.keys()]) if (!keys.has(key)) nodes.delete(key);
    const current = [...log.children];
    const prefix = current.length <= wanted.length && current.every((node, index) => node === wanted[index]);
    if (prefix) log.append(...wanted.slice(current.length));
    else log.replaceChildren(...wanted);
    if (stick || wasNearBottom) scrollToBottom();
    else if (announce) newMessages.hidden = false;
  }

  function continues(previous, entry) {
    if (!previous || previous.author !== entry.author || previous.note !== entry.note) return false;
    if (entry.author === "system") return false;
    if ((previous.person ?? "") !== (entry.person ?? "") || previous.channel !== entry.channel) return false;
    const gap = (parseTime(entry.at)?.getTime() ?? 0) - (parseTime(previous.at)?.getTime() ?? 0);
    return gap >= 0 && gap < GROUP_GAP_MS;
  }

  function renderEntry(key, entry, continued) {
    if (entry.author === "system" && !entry.note && (entry.kind === "event" || entry.event)) return systemLine(entry);
    const client = packet.client ?? {};
    const mineEntry = entry.author === "person" && (entry.personLogin ? entry.personLogin === me().login : entry.local);
    const outgoing = entry.author === "person" || entry.author === "system";
    let who;
    let avatar;
    if (entry.author === "client") {
      who = client.name || t("author.client");
      avatar = h("span", { class: "avatar msg-avatar" }, initials(who));
      avatar.style.setProperty("--hue", String(hueOf(client.id ?? who)));
    } else if (entry.author === "bot") {
      who = t("author.bot");
      avatar = h("span", { class: "avatar msg-avatar is-bot" }, icon("bot", { size: 17 }));
    } else if (entry.broadcast) {
      who = t("author.broadcast", { title: entry.broadcast.title ?? "" });
      avatar = h("span", { class: "avatar msg-avatar is-system" }, icon("broadcast", { size: 17 }));
    } else if (entry.author === "system") {
      who = t("author.notice");
      avatar = h("span", { class: "avatar msg-avatar is-system" }, icon("info", { size: 17 }));
    } else {
      who = mineEntry ? t("author.you") : entry.personLogin ? nameOf(entry.personLogin) : entry.person || t("author.person");
      avatar = h("span", { class: "avatar msg-avatar" }, initials(entry.person || who));
      avatar.style.setProperty("--hue", String(hueOf(entry.personLogin ?? entry.person ?? who)));
    }
    const headParts = [];
    if (entry.note) headParts.push(icon("lock", { size: 13 }), h("strong", {}, `${t("author.note")} · ${who}`));
    else headParts.push(h("strong", {}, who));
    if (entry.channel && !entry.note) headParts.push(channelMark(entry.channel, { size: 14, label: t(`channel.${entry.channel}`) }));
    headParts.push(h("time", { class: "msg-time", datetime: entry.at ?? "", title: when(entry.at) }, timeOfDay(entry.at)));

    const bubble = h("div", { class: "bubble" });
    if (entry.text) bubble.append(entry.text);
    else if (!entry.attachment) bubble.append(h("span", { class: "placeholder" }, tMaybe(`kinds.${entry.kind}`) ?? t("kinds.unsupported")));
    if (entry.attachment) bubble.append(...attachment(entry.attachment));
    if (entry.broadcast?.buttons?.length) {
      bubble.append(h("div", { class: "bc-card-buttons" }, entry.broadcast.buttons.map((title) => h("span", { class: "chip" }, title))));
    }

    const column = h("div", { class: "msg-col" }, h("div", { class: "msg-head" }, headParts), bubble);
    if (outgoing && !entry.note) {
      const status = statusLine(key, entry);
      if (status) column.append(status);
    }
    const classes = [
      "msg",
      entry.note ? "msg-note" : outgoing ? "msg-out" : entry.author === "bot" ? "msg-bot" : "msg-in",
      entry.kind === "button" ? "msg-button" : null,
      entry.author === "system" ? "is-notice" : outgoing && !mineEntry ? "is-colleague" : null,
      entry.status === "failed" ? "is-failed" : null,
      entry.status === "sending" ? "is-sending" : null,
      continued ? "is-continued" : null,
    ];
    return h("div", { class: classes, dataset: { key } }, avatar, column);
  }

  function systemLine(entry) {
    const handoff = entry.event === "queued" || entry.event === "requeued" || entry.event === "transferred";
    const iconName = entry.event === "closed" ? "done" : entry.event === "assigned" ? "person" : handoff ? "transfer" : "info";
    return h(
      "div",
      { class: ["sys", handoff && "sys-handoff"] },
      h("span", { class: "sys-pill" }, icon(iconName, { size: 15 }), h("span", {}, eventText(entry)), h("time", { datetime: entry.at ?? "" }, timeOfDay(entry.at))),
    );
  }

  /** A conversation event in words: the API gives its kind, who did it and a reason or note. */
  function eventText(entry) {
    const text = entry.text ?? "";
    const actor = entry.actor && entry.actor !== "system" ? nameOf(entry.actor) : null;
    switch (entry.event) {
      case "queued": {
        const reason = tMaybe(`reason.${text}`) ?? text;
        return reason ? t("events.queued", { reason }) : t("events.queuedPlain");
      }
      case "assigned":
        return actor ? t("events.assigned", { name: actor }) : t("events.assignedAuto");
      case "transferred":
      case "requeued":
        return [t(`events.${entry.event}`), text ? `«${text}»` : null, actor].filter(Boolean).join(" · ");
      case "closed":
        return text ? t("events.closed", { reason: text }) : t("events.closedPlain");
      case "after_hours":
        return t("events.after_hours", { text });
      default:
        return text || t("author.system");
    }
  }

  /** A person's name by login, from what the page has seen: me, the assignee, the authors of replies. */
  function nameOf(login) {
    if (login === me().login) return me().name ?? login;
    if (packet?.assignee?.login === login && packet.assignee.name) return packet.assignee.name;
    for (const { entry } of timeline.sorted()) {
      if (entry.personLogin === login && entry.person && entry.person !== login) return entry.person;
    }
    return login;
  }

  function attachment(file) {
    const parts = [];
    const label = t("conversation.openFile", { name: file.name });
    const body = [icon(file.mime?.startsWith("audio/") ? "mic" : "file"), h("span", {}, file.name, file.size ? h("small", {}, fileSize(file.size)) : null)];
    parts.push(file.url ? h("a", { class: "attachment", href: file.url, target: "_blank", rel: "noopener", "aria-label": label }, body) : h("span", { class: "attachment" }, body));
    if (file.url && file.mime?.startsWith("audio/")) parts.push(h("audio", { controls: true, preload: "none", src: file.url }));
    if (file.url && /^image\/(png|jpeg|gif|webp)$/.test(file.mime ?? "")) parts.push(h("img", { class: "preview", src: file.url, alt: file.name, loading: "lazy" }));
    return parts;
  }

  function statusLine(key, entry) {
    const status = entry.status;
    if (!status) return null;
    const map = {
      sending: ["clock", t("composer.sending")],
      queued: ["clock", t("composer.queued")],
      sent: ["check", t("composer.sent")],
      delivered: ["checks", t("composer.delivered")],
      read: ["checks", t("composer.read")],
      failed: ["error", t("composer.failed")],
    };
    const [iconName, text] = map[status] ?? ["check", status];
    const line = h("div", { class: `msg-status is-${status}` }, icon(iconName, { size: 14 }), h("span", {}, text));
    if (status === "failed" && (entry.local || entry.text)) {
      line.append(" · ", h("button", { type: "button", class: "link-btn", onclick: () => retry(key) }, t("composer.retry")));
    }
    return line;
  }

  // ---- actions

  function send(text, file) {
    const key = timeline.addPending({ text, file, person: { login: me().login, name: me().name }, channel: packet.channel });
    drawHistory({ stick: true });
    deliver(key);
  }

  async function deliver(key) {
    const mine = generation;
    const entry = timeline.get(key);
    if (!entry) return;
    try {
      const answer = await api.reply(id, entry.text, entry.file, `${session.person?.login ?? ""}-${key}-${Date.now()}`);
      if (mine !== generation) return;
      timeline.confirmPending(key, answer.message?.id ?? null, answer.message?.status);
      drawHistory({ stick: true });
      onChanged();
    } catch (error) {
      if (mine !== generation) return;
      timeline.failPending(key);
      drawHistory({});
      if (error.status === 409) {
        toast(error.code === "closed" ? t("errors.closed") : t("composer.notYours"), { kind: "error" });
        catchUp({ full: true });
      } else if (error.status !== 401) {
        toast(error.message, { kind: "error" });
      }
    }
  }

  function retry(key) {
    const entry = timeline.get(key);
    if (!entry) return;
    if (entry.local) {
      timeline.markSending(key);
      drawHistory({});
      deliver(key);
    } else if (entry.text) {
      send(entry.text, null);
    }
  }

  async function saveNote(text) {
    const answer = await api.note(id, text);
    if (answer.note) timeline.merge([answer.note], { note: true });
    drawHistory({ stick: true });
    toast(t("composer.noteSaved"), { kind: "ok", timeout: 2000 });
  }

  async function take(event) {
    const button = event?.currentTarget;
    if (button) {
      button.disabled = true;
      button.lastChild.textContent = t("conversation.taking");
    }
    try {
      const answer = await api.take(id);
      onTakenByMe(id);
      if (answer.conversation) packet = { ...packet, ...answer.conversation };
      toast(t("conversation.taken"), { kind: "ok", timeout: 3000 });
      onChanged();
      await catchUp({ full: true });
      composer?.focus();
    } catch (error) {
      if (error.status === 401) return;
      if (error.status === 409) {
        toast(error.code === "closed" ? t("errors.closed") : t("conversation.takenByOther"), { kind: "error" });
      } else {
        toast(error.message, { kind: "error" });
      }
      onChanged();
      catchUp({ full: true });
    }
  }

  async function transfer() {
    const done = await transferDialog({ conversation: packet, me: me(), canSupervise });
    if (!done) return;
    toast(t("transfer.done"), { kind: "ok" });
    onChanged();
    catchUp({ full: true });
  }

  async function close() {
    const done = await closeDialog({ conversation: packet });
    if (!done) return;
    toast(t("close.done"), { kind: "ok" });
    onChanged();
    catchUp({ full: true });
  }

  function scheduleRead() {
    clearTimeout(readTimer);
    if (!isMine() || !(Number(packet?.unread) > 0 || timeline.sorted().at(-1)?.entry.author === "client")) return;
    readTimer = setTimeout(async () => {
      if (document.visibilityState !== "visible" || !isMine()) return;
      try {
        const answer = await api.read(id);
        if (answer.conversation && packet) packet = { ...packet, ...answer.conversation };
        onChanged();
      } catch {
        // Unread stays; the next prompt tries again.
      }
    }, 600);
  }

  const ticker = setInterval(() => {
    if (packet) tickWaits(element);
  }, 1000);
  const onVisible = () => {
    if (document.visibilityState === "visible") scheduleRead();
  };
  document.addEventListener("visibilitychange", onVisible);

  showEmpty();

  return {
    element,
    open,
    catchUp,
    onMessagePrompt,
    onConversationPrompt,
    setContextOpen(value) {
      contextOpen = value;
      header.querySelector('[aria-controls="context-pane"]')?.setAttribute("aria-pressed", String(value));
    },
    destroy() {
      generation += 1;
      clearInterval(ticker);
      clearTimeout(readTimer);
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}

/** A text with one ticking clock in it: "\u0000" in ``template`` marks where the clock goes. */
function withTick(template, since) {
  const [before, after = ""] = template.split("\u0000");
  return h("span", {}, before, h("b", { "data-since": since ?? "" }, h("span", { class: "tick" }, clock(secondsSince(since) ?? 0))), after);
}

function uniqueChannels(packet) {
  const seen = new Set();
  for (const channel of packet.channels ?? []) if (channel?.channel) seen.add(channel.channel);
  if (!seen.size && packet.channel) seen.add(packet.channel);
  return [...seen];
}
