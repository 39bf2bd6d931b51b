// The simulator: a person chats with the demo bot as a Telegram, Viber or WhatsApp user, through
// that messenger's fake platform and the bot's real webhook. One tab per messenger, each its own chat;
// when the app serves several bots, the person picks one, and each bot has its own chats.

import { ChatView, renderReplyKeyboard } from "./chat-view.js";
import { fetchBots } from "./fake-http.js";
import {
  emptyChat, loadActiveChannel, loadChosenBot, loadState, normalizePhone, saveActiveChannel,
  saveChosenBot, saveState,
} from "./profile.js";
import { startStudio } from "./studio.js";
import { channel as telegram } from "./telegram.js";
import { channel as viber } from "./viber.js";
import { channel as whatsapp } from "./whatsapp.js";

const CHANNELS = { telegram, viber, whatsapp };
const POLL_MS = 400;
const POLL_HIDDEN_MS = 2000;
const TYPING_TIMEOUT_MS = 12_000;
const CALLBACK_TIMEOUT_MS = 8_000;
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_LOG_ENTRIES = 40;
const DEMO_LOCATION = { latitude: 55.755826, longitude: 37.617300 };
const AVATAR_COLORS = ["#e17076", "#faa774", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];
const COUNTER_FROM = 0.9;
const NUMBER = new Intl.NumberFormat("ru-RU");
const LOG_TIME = new Intl.DateTimeFormat("ru-RU", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

const byId = (id) => document.getElementById(id);
const ui = {
  phone: byId("chat"),
  tabs: [...document.querySelectorAll("[role=tab][data-channel]")],
  channelOnly: [...document.querySelectorAll("[data-channel-only]")],
  brandChannel: byId("brand-channel"),
  messages: byId("messages"),
  typing: byId("typing"),
  welcome: byId("welcome"),
  welcomeText: byId("welcome-text"),
  start: byId("start"),
  composer: byId("composer"),
  text: byId("text"),
  textCounter: byId("text-counter"),
  attach: byId("attach"),
  fileInput: byId("file-input"),
  keyboardToggle: byId("keyboard-toggle"),
  replyKeyboard: byId("reply-keyboard"),
  botName: byId("bot-name"),
  botStatus: byId("bot-status"),
  connection: byId("connection"),
  apiName: byId("api-name"),
  apiLog: byId("api-log"),
  apiLogEmpty: byId("api-log-empty"),
  firstName: byId("first-name"),
  phoneField: byId("phone"),
  phoneHint: byId("phone-hint"),
  profileName: byId("profile-name"),
  profileIdLabel: byId("profile-id-label"),
  profileId: byId("profile-id"),
  profileAvatar: byId("profile-avatar"),
  newUser: byId("new-user"),
  languages: [...document.querySelectorAll("[data-language]")],
  contactDialog: byId("contact-dialog"),
  contactPhone: byId("contact-phone"),
  contactChannel: byId("contact-channel"),
  toast: byId("toast"),
  botCard: byId("bot-card"),
  botPicker: byId("bot-picker"),
  botSlugs: [...document.querySelectorAll("[data-bot-slug]")],
  welcomeTitle: byId("welcome-title"),
};
const DEFAULT_WELCOME_TITLE = ui.welcomeTitle.textContent;

let channel = CHANNELS[loadActiveChannel(Object.keys(CHANNELS))];
/** The bots the app serves (null until the server has said) and the one picked, when there are several. */
let bots = null;
let bot = null;
let state = loadState(channel);
/** Bumped when the chat changes (another user or tab), so answers in flight for the old one are dropped. */
let generation = 0;
let synchronizedGeneration = -1;
let deliveries = Promise.resolve();
let typingTimer = null;
let toastTimer = null;
let lastBotMessageAt = 0;
let pendingContact = null;
const pendingPresses = new Map();
const view = new ChatView(ui.messages, ui.typing, pressInlineButton, channel);

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function persist() {
  saveState(state);
}

function nextKey() {
  state.nextKey = (state.nextKey ?? 0) + 1;
  return `k${state.nextKey}`;
}

function takeMessageId() {
  const id = state.nextMessageId;
  state.nextMessageId += 1;
  return id;
}

// ---- tabs and profile -----------------------------------------------------------------------

function renderChannel() {
  ui.phone.dataset.channel = channel.id;
  document.documentElement.dataset.channel = channel.id;
  document.title = `omnicab · симулятор ${channel.title}`;
  for (const tab of ui.tabs) {
    const selected = tab.dataset.channel === channel.id;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  for (const node of ui.channelOnly) node.hidden = node.dataset.channelOnly !== channel.id;
  ui.brandChannel.textContent = channel.title;
  ui.apiName.textContent = channel.apiName;
  ui.welcomeText.textContent = channel.welcome.text;
  ui.start.textContent = channel.welcome.button;
  ui.attach.hidden = !channel.canAttach;
  ui.phoneField.readOnly = !channel.phoneEditable;
  ui.contactChannel.textContent = channel.title;
  renderCounter();
}

function renderProfile() {
  const { user } = state;
  ui.firstName.value = user.firstName;
  ui.phoneField.value = user.phone;
  ui.profileName.textContent = user.firstName;
  ui.profileIdLabel.textContent = channel.idLabel;
  ui.profileId.textContent = String(user.id);
  ui.profileAvatar.textContent = (user.firstName.trim()[0] ?? "?").toUpperCase();
  const hash = [...String(user.id)].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  ui.profileAvatar.style.background = AVATAR_COLORS[hash % AVATAR_COLORS.length];
  for (const button of ui.languages) {
    button.setAttribute("aria-checked", String(button.dataset.language === user.languageCode));
  }
  ui.botName.textContent = chosenBotTitle() ?? state.botName ?? channel.defaultBotName;
}

// ---- which bot ------------------------------------------------------------------------------

function chosenBotTitle() {
  return bots?.find((entry) => entry.name === bot)?.title ?? null;
}

function avatarColor(text) {
  const hash = [...String(text)].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  return AVATAR_COLORS[hash % AVATAR_COLORS.length];
}

function botOption(entry) {
  const chosen = entry.name === bot;
  const option = document.createElement("button");
  option.type = "button";
  option.className = "bot-option";
  option.setAttribute("role", "radio");
  option.setAttribute("aria-checked", String(chosen));
  option.tabIndex = chosen ? 0 : -1;
  option.dataset.bot = entry.name;
  const avatar = document.createElement("span");
  avatar.className = "avatar";
  avatar.setAttribute("aria-hidden", "true");
  avatar.textContent = (entry.title.trim()[0] ?? "?").toUpperCase();
  avatar.style.background = avatarColor(entry.name);
  const text = document.createElement("span");
  text.className = "bot-option-text";
  const title = document.createElement("span");
  title.className = "bot-option-title";
  title.textContent = entry.title;
  const name = document.createElement("span");
  name.className = "bot-option-name";
  name.textContent = entry.name;
  text.append(title, name);
  option.append(avatar, text);
  option.addEventListener("click", () => {
    switchBot(entry.name);
    ui.text.focus();
  });
  option.addEventListener("keydown", (event) => {
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = bots[(bots.indexOf(entry) + step + bots.length) % bots.length];
    switchBot(next.name);
    ui.botPicker.querySelector(`[data-bot="${CSS.escape(next.name)}"]`)?.focus();
  });
  return option;
}

/** The picker shows only when there is a choice; the route card names the bot's webhook. */
function renderBotPicker() {
  const several = (bots?.length ?? 0) > 1;
  ui.botCard.hidden = !several;
  const slug = bot ?? bots?.[0]?.name;
  if (slug) for (const node of ui.botSlugs) node.textContent = slug;
  ui.welcomeTitle.textContent = chosenBotTitle() ?? DEFAULT_WELCOME_TITLE;
  ui.botPicker.replaceChildren(...(several ? bots.map(botOption) : []));
}

/** Asks the server which bots it serves; the bot to write to (null when there is no choice to make). */
async function learnBots() {
  const listed = await fetchBots(channel.id);
  if (listed === null) return null;
  bots = listed;
  if (listed.length < 2) return null;
  const names = listed.map((entry) => entry.name);
  return loadChosenBot(names) ?? names[0];
}

function switchBot(name) {
  if (name === bot) return;
  persist();
  leaveChat();
  bot = name;
  if (name) saveChosenBot(name);
  state = loadState(channel, state.user.languageCode, bot);
  renderBotPicker();
  enterChat();
}

function bindProfile() {
  ui.firstName.addEventListener("input", () => {
    const name = ui.firstName.value.trim();
    if (!name) return;
    state.user.firstName = name;
    ui.profileName.textContent = name;
    ui.profileAvatar.textContent = name[0].toUpperCase();
    persist();
  });
  ui.firstName.addEventListener("blur", () => {
    ui.firstName.value = state.user.firstName;
  });
  ui.phoneField.addEventListener("change", () => {
    const phone = normalizePhone(ui.phoneField.value);
    if (channel.phoneEditable && phone.length >= 8) state.user.phone = phone;
    ui.phoneField.value = state.user.phone;
    persist();
  });
  for (const button of ui.languages) {
    button.addEventListener("click", () => {
      if (state.user.languageCode === button.dataset.language) return;
      state.user.languageCode = button.dataset.language;
      persist();
      renderProfile();
      showToast(`Следующие сообщения придут с языком ${state.user.languageCode}`);
    });
  }
  ui.newUser.addEventListener("click", startAsNewUser);
  for (const tab of ui.tabs) {
    tab.addEventListener("click", () => switchChannel(tab.dataset.channel));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = ui.tabs[(ui.tabs.indexOf(tab) + step + ui.tabs.length) % ui.tabs.length];
      next.focus();
      switchChannel(next.dataset.channel);
    });
  }
}

/** Leaves the current chat: whatever was in flight for it is dropped when it comes back. */
function leaveChat() {
  generation += 1;
  for (const press of pendingPresses.values()) clearTimeout(press.timer);
  pendingPresses.clear();
  stopTyping();
  view.clear();
  closeSheets();
  ui.apiLog.replaceChildren();
  ui.apiLogEmpty.hidden = false;
}

function enterChat() {
  renderChannel();
  renderProfile();
  restoreTranscript();
  renderReplyKeyboardState();
  setOnline(true);
  if (channel.openUpdate && view.isEmpty && !state.opened) openChat();
}

function switchChannel(id) {
  const next = CHANNELS[id];
  if (!next || next === channel) return;
  persist();
  leaveChat();
  channel = next;
  saveActiveChannel(id);
  state = loadState(channel, state.user.languageCode, bot);
  view.setChannel(channel);
  enterChat();
  ui.text.focus();
}

function startAsNewUser() {
  leaveChat();
  state = emptyChat(channel.id, channel.newUser(state.user.languageCode), bot);
  persist();
  enterChat();
  showToast(`Новый клиент: ${state.user.firstName}, ${channel.idLabel} ${state.user.id}`);
  ui.text.focus();
}

// ---- chat chrome ----------------------------------------------------------------------------

function renderWelcome() {
  ui.welcome.hidden = !view.isEmpty;
}

function setOnline(online, reason) {
  ui.connection.hidden = online;
  if (!online) ui.connection.textContent = reason;
  if (!typingTimer) ui.botStatus.textContent = online ? channel.botStatus : "нет связи";
}

function startTyping() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, TYPING_TIMEOUT_MS);
  view.setTyping(true);
  ui.botStatus.textContent = "печатает…";
  ui.botStatus.classList.add("is-typing");
}

function stopTyping() {
  clearTimeout(typingTimer);
  typingTimer = null;
  view.setTyping(false);
  ui.botStatus.textContent = ui.connection.hidden ? channel.botStatus : "нет связи";
  ui.botStatus.classList.remove("is-typing");
}

function showToast(text, { long = false } = {}) {
  clearTimeout(toastTimer);
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  toastTimer = setTimeout(() => {
    ui.toast.hidden = true;
  }, long ? 6000 : 2600);
}

function closeSheets() {
  for (const sheet of ui.phone.querySelectorAll(".wa-sheet-backdrop")) sheet.remove();
}

function addItem(item) {
  const stored = { key: nextKey(), at: Date.now(), ...item };
  state.items.push(stored);
  view.append(stored, { forceScroll: stored.kind !== "bot" });
  renderWelcome();
  persist();
  return stored;
}

function addNotice(text) {
  addItem({ kind: "notice", text });
}

// ---- sending --------------------------------------------------------------------------------

/** Updates go one at a time, so the bot receives them in the order the person sent them. */
function inOrder(task) {
  deliveries = deliveries.then(task).catch((error) => addNotice(`Ошибка симулятора: ${error.message}`));
  return deliveries;
}

/** Delivers an update; `item` (the user's bubble, if the messenger shows one) gets its status. */
function deliver(item, update) {
  const sentIn = generation;
  const sentAt = Date.now();
  return inOrder(async () => {
    const result = await channel.deliver(update, bot);
    if (sentIn !== generation) return;
    if (result.delivered) {
      if (lastBotMessageAt <= sentAt) startTyping();
      if (item) item.status = lastBotMessageAt > item.at ? "read" : "sent";
    } else {
      if (item) {
        item.status = "failed";
        item.reason = result.reason;
      }
      addNotice(`Сообщение не доставлено: ${result.reason}`);
    }
    if (item) view.refresh(item);
    persist();
  });
}

function sendText(text, { silent = false } = {}) {
  const messageId = takeMessageId();
  const item = silent ? null : addItem({ kind: "user-text", text, messageId, status: "pending" });
  return deliver(item, channel.textUpdate(state.user, messageId, text, { silent }));
}

function openChat() {
  state.opened = true;
  persist();
  return deliver(null, channel.openUpdate(state.user));
}

function start() {
  if (channel.openUpdate) return openChat();
  return sendText(channel.startText(state.user));
}

function sendContact(action) {
  const messageId = takeMessageId();
  const { phone, firstName } = state.user;
  const item = addItem({ kind: "user-contact", phone, name: firstName, messageId, status: "pending" });
  return deliver(item, channel.contactUpdate(state.user, messageId, action));
}

function sendLocation() {
  const messageId = takeMessageId();
  const { latitude, longitude } = DEMO_LOCATION;
  const item = addItem({ kind: "user-location", latitude, longitude, messageId, status: "pending" });
  return deliver(item, channel.locationUpdate(state.user, messageId, latitude, longitude));
}

async function sendFile(file) {
  if (file.size > MAX_UPLOAD_BYTES) {
    showToast(`Файл больше 50 МБ — ${channel.title} не примет его`);
    return;
  }
  const messageId = takeMessageId();
  const item = addItem({ kind: "user-file", name: file.name, size: file.size, messageId, status: "pending" });
  const sentIn = generation;
  try {
    const update = await channel.fileUpdate(state.user, messageId, file);
    if (sentIn !== generation) return;
    await deliver(item, update);
  } catch (error) {
    if (sentIn !== generation) return;
    item.status = "failed";
    item.reason = "файл не загрузился";
    view.refresh(item);
    addNotice(`Файл не отправлен: ${error.message}`);
  }
}

/** A button under a bot message: a Telegram callback, a WhatsApp reply button or list row. */
function pressInlineButton(item, button, node) {
  if (node.classList.contains("is-loading")) return;
  const pressed = channel.press(item, button, state.user);
  if (!pressed) return;
  if (pressed.echo) {
    const messageId = takeMessageId();
    const echo = addItem({ kind: "user-text", text: pressed.echo.text, quote: pressed.echo.quote, messageId, status: "pending" });
    deliver(echo, pressed.update);
    return;
  }
  node.classList.add("is-loading");
  const { callbackId, update } = pressed;
  const timer = setTimeout(() => settlePress(callbackId), CALLBACK_TIMEOUT_MS);
  pendingPresses.set(callbackId, { node, timer });
  const sentIn = generation;
  const pressedAt = Date.now();
  inOrder(async () => {
    const result = await channel.deliver(update, bot);
    if (sentIn !== generation) return;
    if (result.delivered) {
      if (lastBotMessageAt <= pressedAt) startTyping();
    } else {
      settlePress(callbackId);
      addNotice(`Нажатие не доставлено: ${result.reason}`);
    }
  });
}

function settlePress(callbackId) {
  const press = pendingPresses.get(callbackId);
  if (!press) return;
  clearTimeout(press.timer);
  press.node.classList.remove("is-loading");
  pendingPresses.delete(callbackId);
}

function settleAllPresses() {
  for (const callbackId of [...pendingPresses.keys()]) settlePress(callbackId);
}

// ---- the bot's keyboard below the chat ------------------------------------------------------

function renderReplyKeyboardState() {
  const stick = view.nearBottom();
  const markup = state.replyKeyboard ?? null;
  const open = Boolean(markup) && state.replyKeyboardOpen !== false;
  ui.keyboardToggle.hidden = !markup;
  ui.keyboardToggle.classList.toggle("is-active", open);
  ui.replyKeyboard.hidden = !open;
  ui.text.placeholder = markup?.input_field_placeholder || (channel === whatsapp ? "Введите сообщение" : "Сообщение");
  if (markup) (channel.renderKeyboard ?? renderReplyKeyboard)(ui.replyKeyboard, markup, pressReplyButton);
  if (stick) view.scrollToBottom();
}

function setReplyKeyboard(markup) {
  state.replyKeyboard = markup;
  state.replyKeyboardOpen = true;
  renderReplyKeyboardState();
}

/** A keyboard button: `{kind: "text" | "contact" | "location" | "url", ...}` from the channel's keyboard. */
function pressReplyButton(action) {
  if (action.hide) {
    state.replyKeyboardOpen = false;
    renderReplyKeyboardState();
  }
  if (action.kind === "contact") {
    pendingContact = action;
    ui.contactPhone.textContent = state.user.phone;
    ui.contactDialog.showModal();
  } else if (action.kind === "location") {
    sendLocation();
  } else if (action.kind === "url") {
    window.open(action.url, "_blank", "noopener,noreferrer");
  } else if (action.kind === "text" && action.text) {
    sendText(action.text, { silent: Boolean(action.silent) });
  }
}

// ---- what the bot did -----------------------------------------------------------------------

function findBotMessage(messageId) {
  const wanted = String(messageId);
  return state.items.findLast((item) => item.kind === "bot" && String(channel.messageIdOf(item.call)) === wanted) ?? null;
}

function markRepliedMessagesRead() {
  for (const item of state.items) {
    if (item.status === "sent") {
      item.status = "read";
      view.refresh(item);
    }
  }
}

function addBotMessage(call) {
  lastBotMessageAt = Date.now();
  stopTyping();
  settleAllPresses();
  markRepliedMessagesRead();
  const sentAt = Number.isFinite(call.at) ? call.at * 1000 : Date.now();
  addItem({ kind: "bot", at: sentAt, call });
  const messageId = Number(channel.messageIdOf(call));
  if (Number.isSafeInteger(messageId) && messageId >= state.nextMessageId) state.nextMessageId = messageId + 1;
  const botName = channel.botNameOf(call);
  if (botName && botName !== state.botName) {
    state.botName = botName;
    ui.botName.textContent = chosenBotTitle() ?? botName;
  }
  const keyboard = channel.keyboardOf(call);
  if (keyboard !== undefined && (keyboard !== null || state.replyKeyboard)) setReplyKeyboard(keyboard);
}

function applyEdit(call) {
  const body = call.body ?? {};
  const item = findBotMessage(body.message_id);
  if (!item) return;
  if (call.method === "deleteMessage") {
    state.items.splice(state.items.indexOf(item), 1);
    view.remove(item);
    return;
  }
  const edited = { ...item.call.body, reply_markup: body.reply_markup };
  if (call.method === "editMessageText") edited.text = body.text;
  if (call.method === "editMessageCaption") edited.caption = body.caption;
  item.call = { ...item.call, body: edited };
  item.edited = call.method !== "editMessageReplyMarkup";
  view.refresh(item);
}

function answerPress(body) {
  settlePress(String(body.callback_query_id));
  if (typeof body.text === "string" && body.text) showToast(body.text, { long: Boolean(body.show_alert) });
}

function logCall(call) {
  const entry = document.createElement("li");
  const method = document.createElement("span");
  method.className = "log-method";
  method.textContent = channel.logLabel(call);
  method.title = call.method;
  const outcome = document.createElement("span");
  outcome.className = call.ok === false ? "log-outcome is-error" : "log-outcome";
  outcome.textContent = call.ok === false ? String(call.error_code ?? "ошибка") : "ok";
  const time = document.createElement("time");
  time.textContent = LOG_TIME.format(new Date(Number.isFinite(call.at) ? call.at * 1000 : Date.now()));
  entry.append(method, outcome, time);
  ui.apiLog.prepend(entry);
  while (ui.apiLog.children.length > MAX_LOG_ENTRIES) ui.apiLog.lastElementChild.remove();
  ui.apiLogEmpty.hidden = true;
}

function handleCall(call) {
  logCall(call);
  const kind = channel.kindOf(call);
  if (kind === "answer") {
    answerPress(call.body ?? {});
  } else if (kind === "typing") {
    startTyping();
  } else if (kind === "message") {
    if (call.ok === false) {
      const detail = call.description ?? `код ${call.error_code ?? "?"}`;
      addNotice(`${channel.title} отклонил ${channel.logLabel(call)}: ${detail}`);
    } else {
      addBotMessage(call);
    }
  } else if (kind === "edit" && call.ok !== false) {
    applyEdit(call);
  }
}

function handleCalls(calls) {
  const fresh = calls.filter((call) => Number(call.seq) > state.lastSeq).sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) return;
  for (const call of fresh) {
    state.lastSeq = Number(call.seq);
    if (channel.isForChat(call, state.user)) handleCall(call);
  }
  persist();
}

function connectionProblem(error) {
  return error instanceof channel.FakeError
    ? `Поддельный ${channel.title} не отвечает — сервер запущен в демо-режиме?`
    : "Нет связи с сервером — переподключаюсь…";
}

/**
 * A fake platform keeps its log in memory: if it knows fewer calls for this chat than the page
 * has seen, the server was restarted, and the page starts reading its log from the beginning.
 */
async function resynchronize() {
  const calls = await channel.fetchCalls(state.user, 0, bot);
  const newest = calls.reduce((max, call) => Math.max(max, Number(call.seq) || 0), 0);
  if (newest < state.lastSeq) {
    state.lastSeq = 0;
    addNotice(`Сервер перезапущен — журнал поддельного ${channel.title} начат заново`);
  }
  for (const call of calls.slice(-MAX_LOG_ENTRIES)) {
    if (Number(call.seq) > state.lastSeq) continue;
    channel.kindOf(call);
    logCall(call);
  }
  handleCalls(calls);
}

async function pollForever() {
  for (;;) {
    if (bots === null) {
      const chosen = await learnBots();
      if (bots !== null) {
        renderBotPicker();
        switchBot(chosen);
      }
    }
    const polledFor = generation;
    try {
      if (synchronizedGeneration === polledFor) {
        const calls = await channel.fetchCalls(state.user, state.lastSeq, bot);
        if (polledFor === generation) handleCalls(calls);
      } else {
        await resynchronize();
        if (polledFor === generation) synchronizedGeneration = polledFor;
      }
      if (polledFor === generation) setOnline(true);
    } catch (error) {
      if (polledFor === generation) setOnline(false, connectionProblem(error));
    }
    await sleep(document.hidden ? POLL_HIDDEN_MS : POLL_MS);
  }
}

// ---- composer -------------------------------------------------------------------------------

function fitComposer() {
  ui.text.style.height = "auto";
  ui.text.style.height = `${Math.min(ui.text.scrollHeight, 160)}px`;
  renderCounter();
}

const PLURAL = new Intl.PluralRules("ru-RU");

function plural(count, one, few, many) {
  return { one, few, many }[PLURAL.select(count)] ?? many;
}

function characters(count) {
  return `${NUMBER.format(count)} ${plural(count, "символ", "символа", "символов")}`;
}

/** Near the channel's limit, how long the text is; past it, what the messenger will do with it. */
function renderCounter() {
  const length = ui.text.value.trim().length;
  const limit = channel.maxTextLength;
  const over = length > limit;
  ui.textCounter.hidden = length < limit * COUNTER_FROM;
  ui.textCounter.classList.toggle("is-over", over && !channel.splitText);
  if (over && channel.splitText) {
    const parts = channel.splitText(ui.text.value.trim()).length;
    ui.textCounter.textContent = `${NUMBER.format(length)} · ${channel.title} разделит на ${parts} ${plural(parts, "сообщение", "сообщения", "сообщений")}`;
  } else {
    ui.textCounter.textContent = `${NUMBER.format(length)} / ${NUMBER.format(limit)}`;
  }
}

/** Sends the composed text as the channel's app would: split (Telegram) or refused when too long. */
function submitText() {
  const text = ui.text.value.trim();
  if (!text) return;
  const limit = channel.maxTextLength;
  if (text.length > limit && !channel.splitText) {
    showToast(
      `${channel.title} не отправит сообщение длиннее ${characters(limit)} — сократите его на ${characters(text.length - limit)}`,
      { long: true },
    );
    return;
  }
  ui.text.value = "";
  fitComposer();
  for (const part of text.length > limit ? channel.splitText(text) : [text]) sendText(part);
}

function bindComposer() {
  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submitText();
  });
  ui.text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.composer.requestSubmit();
    }
  });
  ui.text.addEventListener("input", fitComposer);
  ui.start.addEventListener("click", start);
  ui.attach.addEventListener("click", () => ui.fileInput.click());
  ui.fileInput.addEventListener("change", () => {
    const [file] = ui.fileInput.files;
    ui.fileInput.value = "";
    if (file) sendFile(file);
  });
  ui.keyboardToggle.addEventListener("click", () => {
    state.replyKeyboardOpen = state.replyKeyboardOpen === false;
    renderReplyKeyboardState();
    persist();
  });
  ui.contactDialog.addEventListener("close", () => {
    if (ui.contactDialog.returnValue === "share") sendContact(pendingContact ?? { kind: "contact" });
    ui.contactDialog.returnValue = "";
    pendingContact = null;
  });
}

// ---- start ----------------------------------------------------------------------------------

function restoreTranscript() {
  for (const item of state.items) {
    if (item.status === "pending") {
      item.status = "failed";
      item.reason = "страница перезагружена до ответа сервера";
    }
    view.append(item);
  }
  view.scrollToBottom();
  renderWelcome();
}

/** Learns the bots first, so the first update (Viber opens the chat at once) goes to the picked one. */
async function boot() {
  bindProfile();
  bindComposer();
  bot = await learnBots();
  if (bot) state = loadState(channel, state.user.languageCode, bot);
  renderBotPicker();
  enterChat();
  ui.text.focus();
  startStudio({ currentBot: () => bot ?? bots?.[0]?.name ?? null, showToast });
  pollForever();
}

boot();
