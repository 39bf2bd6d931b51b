// Renders transcript items as chat bubbles; each messenger's driver renders its bot messages.
// Every text goes in as text, never as HTML.

import { parseJsonField } from "./telegram.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const TIME = new Intl.DateTimeFormat("ru-RU", { hour: "2-digit", minute: "2-digit" });
const DAY = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "long" });
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]]/g;
const STICK_TO_BOTTOM_PX = 160;

const FILE_FIELDS = {
  sendDocument: { field: "document", label: "Документ", icon: "icon-document" },
  sendAudio: { field: "audio", label: "Аудиозапись", icon: "icon-play" },
  sendVoice: { field: "voice", label: "Голосовое сообщение", icon: "icon-play" },
  sendPhoto: { field: "photo", label: "Фото", icon: "icon-image" },
  sendVideo: { field: "video", label: "Видео", icon: "icon-play" },
  sendAnimation: { field: "animation", label: "GIF", icon: "icon-image" },
};

const STATUS_ICONS = {
  pending: { icon: "icon-clock", label: "Отправляется" },
  sent: { icon: "icon-check", label: "Доставлено на вебхук" },
  read: { icon: "icon-check-double", label: "Бот ответил" },
  failed: { icon: "icon-alert", label: "Не доставлено" },
};

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export function icon(id, className = "icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(SVG_NS, "use");
  use.setAttribute("href", `#${id}`);
  svg.append(use);
  return svg;
}

export function isWebUrl(value) {
  return typeof value === "string" && /^https?:\/\//i.test(value);
}

function appendLinkified(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    parent.append(text.slice(last, match.index));
    const link = element("a", null, match[0]);
    link.href = match[0];
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    parent.append(link);
    last = match.index + match[0].length;
  }
  parent.append(text.slice(last));
}

export function formatSize(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1024) return `${bytes} Б`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(".", ",")} КБ`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} МБ`;
}

export function formatDuration(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function dayLabel(date) {
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return "Сегодня";
  const yesterday = new Date(today.getTime() - 86_400_000);
  if (date.toDateString() === yesterday.toDateString()) return "Вчера";
  return DAY.format(date);
}

export function fileNameFromUrl(url) {
  try {
    const last = new URL(url).pathname.split("/").filter(Boolean).pop();
    return last ? decodeURIComponent(last) : null;
  } catch {
    return null;
  }
}

/** What the bot sent in a file field: an uploaded file's description, a URL or a file_id. */
function describeBotFile(call, spec) {
  const raw = parseJsonField(call.body?.[spec.field]) ?? call.body?.[spec.field];
  const returned = call.result?.[spec.field];
  const known = Array.isArray(returned) ? returned[returned.length - 1] : returned ?? {};
  const fileId = typeof known?.file_id === "string" && /^[A-Za-z0-9_-]+$/.test(known.file_id) ? known.file_id : null;
  // A file the bot uploaded is downloaded by the recipient's app; the simulator does the same.
  const url = isWebUrl(raw) ? raw : fileId ? `/fake/telegram/user_file/${fileId}` : null;
  const described = raw && typeof raw === "object" ? raw : {};
  const body = call.body ?? {};
  const title = [body.performer, body.title].filter((part) => typeof part === "string" && part).join(" — ");
  return {
    url,
    name: title || described.file_name || known.file_name || (url && fileNameFromUrl(url)) || spec.label,
    size: described.size ?? described.file_size ?? known.file_size,
    duration: body.duration ?? known.duration,
  };
}

export function fileBlock(iconId, name, details) {
  const block = element("div", "file");
  const badge = element("div", "file-icon");
  badge.append(icon(iconId));
  const text = element("div", "file-text");
  text.append(element("div", "file-name", name));
  if (details) text.append(element("div", "file-details", details));
  block.append(badge, text);
  return block;
}

function botFileContent(call, spec) {
  const file = describeBotFile(call, spec);
  const details = [
    Number.isFinite(file.duration) && file.duration > 0 ? formatDuration(file.duration) : "",
    formatSize(file.size),
  ].filter(Boolean).join(" · ");
  const nodes = [];
  if (spec.field === "photo" && file.url) {
    const image = element("img", "photo");
    image.src = file.url;
    image.alt = "Фото";
    image.loading = "lazy";
    nodes.push(image);
    return nodes;
  }
  nodes.push(fileBlock(spec.icon, file.name, details || spec.label));
  if (file.url && (spec.field === "audio" || spec.field === "voice")) {
    const player = element("audio", "player");
    player.controls = true;
    player.preload = "none";
    player.src = file.url;
    nodes.push(player);
  } else if (file.url) {
    const link = element("a", "file-open", "Открыть");
    link.href = file.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    nodes.push(link);
  }
  return nodes;
}

export function locationBlock(latitude, longitude) {
  const details = `${Number(latitude).toFixed(5)}, ${Number(longitude).toFixed(5)}`;
  return fileBlock("icon-location", "Геопозиция", details);
}

export function contactBlock(name, phone) {
  return fileBlock("icon-phone", name || "Контакт", phone);
}

export class ChatView {
  /**
   * @param {HTMLElement} container the scrolling message list
   * @param {HTMLElement} typing the typing indicator, kept as the list's last child
   * @param {(item: object, button: object, node: HTMLElement) => void} onInlineButton
   * @param {object} channel the messenger driver; its `renderBot(item, view)` draws bot messages
   */
  constructor(container, typing, onInlineButton, channel) {
    this.container = container;
    this.typing = typing;
    this.onInlineButton = onInlineButton;
    this.channel = channel;
    this.nodes = new Map();
    this.lastDay = null;
  }

  setChannel(channel) {
    this.clear();
    this.channel = channel;
  }

  clear() {
    for (const node of this.nodes.values()) node.remove();
    for (const chip of this.container.querySelectorAll(".day, .notice")) chip.remove();
    this.nodes.clear();
    this.lastDay = null;
  }

  get isEmpty() {
    return this.nodes.size === 0;
  }

  nearBottom() {
    const { scrollHeight, scrollTop, clientHeight } = this.container;
    return scrollHeight - scrollTop - clientHeight < STICK_TO_BOTTOM_PX;
  }

  scrollToBottom() {
    this.container.scrollTop = this.container.scrollHeight;
  }

  /** Appends an item; keeps the view at the bottom if the reader was there. */
  append(item, { forceScroll = false } = {}) {
    const stick = forceScroll || this.nearBottom();
    const day = dayLabel(new Date(item.at));
    if (day !== this.lastDay) {
      this.typing.before(element("div", "day", day));
      this.lastDay = day;
    }
    const node = this.build(item);
    this.nodes.set(item.key, node);
    this.typing.before(node);
    if (stick) this.scrollToBottom();
  }

  /** Re-renders an item in place (a status change, an edited bot message). */
  refresh(item) {
    const old = this.nodes.get(item.key);
    if (!old) return;
    const node = this.build(item);
    old.replaceWith(node);
    this.nodes.set(item.key, node);
  }

  remove(item) {
    this.nodes.get(item.key)?.remove();
    this.nodes.delete(item.key);
  }

  nodeOf(item) {
    return this.nodes.get(item.key) ?? null;
  }

  setTyping(visible) {
    const stick = this.nearBottom();
    this.typing.hidden = !visible;
    if (visible && stick) this.scrollToBottom();
  }

  build(item) {
    if (item.kind === "notice") return element("div", "notice", item.text);
    if (item.kind !== "bot") return this.userMessage(item);
    return this.channel?.renderBot ? this.channel.renderBot(item, this) : this.botMessage(item);
  }

  userMessage(item) {
    const row = element("div", "message message-user");
    const bubble = element("div", "bubble");
    if (item.quote) bubble.append(element("div", "quote", item.quote));
    if (item.kind === "user-contact") bubble.append(contactBlock(item.name, item.phone));
    if (item.kind === "user-location") bubble.append(locationBlock(item.latitude, item.longitude));
    if (item.kind === "user-file") bubble.append(fileBlock("icon-document", item.name, formatSize(item.size)));
    if (item.text) bubble.append(this.textBlock(item.text));
    bubble.classList.toggle("bubble-media", !item.text);
    bubble.append(this.meta(item.at, STATUS_ICONS[item.status] ?? STATUS_ICONS.pending, item.reason));
    row.append(bubble);
    return row;
  }

  /** A Telegram message: the bubble, and its inline keyboard under it. */
  botMessage(item) {
    const { call } = item;
    const body = call.body ?? {};
    const row = element("div", "message message-bot");
    const bubble = element("div", "bubble");
    const spec = FILE_FIELDS[call.method];
    let text = typeof body.text === "string" ? body.text : null;
    if (spec) {
      bubble.append(...botFileContent(call, spec));
      text = typeof body.caption === "string" ? body.caption : null;
    } else if (call.method === "sendLocation") {
      bubble.append(locationBlock(body.latitude, body.longitude));
    } else if (call.method === "sendContact") {
      bubble.append(contactBlock([body.first_name, body.last_name].filter(Boolean).join(" "), body.phone_number));
    }
    if (text) bubble.append(this.textBlock(text));
    bubble.classList.toggle("bubble-media", !text);
    if (item.edited) bubble.append(element("span", "edited", "изменено"));
    bubble.append(this.meta(item.at, null));
    row.append(bubble);
    const markup = parseJsonField(body.reply_markup);
    if (Array.isArray(markup?.inline_keyboard)) row.append(this.inlineKeyboard(item, markup.inline_keyboard));
    return row;
  }

  textBlock(text) {
    const block = element("div", "text");
    appendLinkified(block, text);
    block.append(element("span", "meta-spacer"));
    return block;
  }

  meta(at, status, reason) {
    const meta = element("span", "meta");
    const time = element("time", null, TIME.format(new Date(at)));
    time.dateTime = new Date(at).toISOString();
    meta.append(time);
    if (status) {
      const mark = icon(status.icon, `status status-${status.icon.replace("icon-", "")}`);
      meta.append(mark);
      meta.title = reason ? `${status.label}: ${reason}` : status.label;
    }
    return meta;
  }

  inlineKeyboard(item, rows) {
    const keyboard = element("div", "inline-keyboard");
    for (const row of rows) {
      if (!Array.isArray(row)) continue;
      const line = element("div", "inline-row");
      for (const button of row) line.append(this.inlineButton(item, button));
      keyboard.append(line);
    }
    return keyboard;
  }

  inlineButton(item, button) {
    const title = typeof button?.text === "string" ? button.text : "";
    if (isWebUrl(button?.url)) {
      const link = element("a", "inline-button", title);
      link.href = button.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.append(icon("icon-link", "inline-link-mark"));
      return link;
    }
    const node = element("button", "inline-button", title);
    node.type = "button";
    if (typeof button?.callback_data === "string") {
      node.addEventListener("click", () => this.onInlineButton(item, button, node));
    } else {
      node.disabled = true;
      node.title = "Такую кнопку симулятор не поддерживает";
    }
    return node;
  }
}

/**
 * Telegram's ReplyKeyboardMarkup in place of the phone's keyboard. `onPress` gets an action:
 * `{kind: "text", text}`, `{kind: "contact"}` or `{kind: "location"}`.
 */
export function renderReplyKeyboard(container, markup, onPress) {
  container.replaceChildren();
  for (const row of markup.keyboard) {
    if (!Array.isArray(row)) continue;
    const line = element("div", "reply-row");
    for (const raw of row) {
      const button = typeof raw === "string" ? { text: raw } : raw ?? {};
      const node = element("button", "reply-button", button.text ?? "");
      node.type = "button";
      if (button.request_contact) node.prepend(icon("icon-phone", "reply-icon"));
      if (button.request_location) node.prepend(icon("icon-location", "reply-icon"));
      const kind = button.request_contact ? "contact" : button.request_location ? "location" : "text";
      node.addEventListener("click", () => {
        if (kind !== "text" || button.text) onPress({ kind, text: button.text, hide: Boolean(markup.one_time_keyboard) });
      });
      line.append(node);
    }
    container.append(line);
  }
}
