// The simulator: a person chats with the demo bot as a Telegram user, through the fake Telegram.

import { ChatView, renderReplyKeyboard } from "./chat-view.js";
import { emptyChat, loadState, newUser, normalizePhone, saveState } from "./profile.js";
import * as telegram from "./telegram.js";

const POLL_MS = 400;
const POLL_HIDDEN_MS = 2000;
const TYPING_TIMEOUT_MS = 12_000;
const CALLBACK_TIMEOUT_MS = 8_000;
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_LOG_ENTRIES = 40;
const DEMO_LOCATION = { latitude: 55.755826, longitude: 37.617300 };
const AVATAR_COLORS = ["#e17076", "#faa774", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];
const LOG_TIME = new Intl.DateTimeFormat("ru-RU", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

const byId = (id) => document.getElementById(id);
const ui = {
  messages: byId("messages"),
  typing: byId("typing"),
  welcome: byId("welcome"),
  start: byId("start"),
  composer: byId("composer"),
  text: byId("text"),
  attach: byId("attach"),
  fileInput: byId("file-input"),
  keyboardToggle: byId("keyboard-toggle"),
  replyKeyboard: byId("reply-keyboard"),
  botName: byId("bot-name"),
  botStatus: byId("bot-status"),
  connection: byId("connection"),
  apiLog: byId("api-log"),
  apiLogEmpty: byId("api-log-empty"),
  firstName: byId("first-name"),
  phone: byId("phone"),
  profileName: byId("profile-name"),
  profileId: byId("profile-id"),
  profileAvatar: byId("profile-avatar"),
  newUser: byId("new-user"),
  languages: [...document.querySelectorAll("[data-language]")],
  contactDialog: byId("contact-dialog"),
  contactPhone: byId("contact-phone"),
  toast: byId("toast"),
};

let state = loadState();
/** Bumped when the user changes, so answers that were in flight for the old chat are dropped. */
let generation = 0;
let deliveries = Promise.resolve();
let typingTimer = null;
let toastTimer = null;
let lastBotMessageAt = 0;
const pendingPresses = new Map();
const view = new ChatView(ui.messages, ui.typing, pressInlineButton);

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

// ---- profile --------------------------------------------------------------------------------

function renderProfile() {
  const { user } = state;
  ui.firstName.value = user.firstName;
  ui.phone.value = user.phone;
  ui.profileName.textContent = user.firstName;
  ui.profileId.textContent = String(user.id);
  ui.profileAvatar.textContent = (user.firstName.trim()[0] ?? "?").toUpperCase();
  ui.profileAvatar.style.background = AVATAR_COLORS[user.id % AVATAR_COLORS.length];
  for (const button of ui.languages) {
    button.setAttribute("aria-checked", String(button.dataset.language === user.languageCode));
  }
  ui.botName.textContent = state.botName ?? "Legal";
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
  ui.phone.addEventListener("change", () => {
    const phone = normalizePhone(ui.phone.value);
    if (phone.length >= 8) state.user.phone = phone;
    ui.phone.value = state.user.phone;
    persist();
  });
  for (const button of ui.languages) {
    button.addEventListener("click", () => {
      if (state.user.languageCode === button.dataset.language) return;
      state.user.languageCode = button.dataset.language;
      persist();
      renderProfile();
      showToast(`Следующие сообщения придут с language_code = ${state.user.languageCode}`);
    });
  }
  ui.newUser.addEventListener("click", startAsNewUser);
}

function startAsNewUser() {
  generation += 1;
  state = emptyChat(newUser(state.user.languageCode));
  persist();
  for (const press of pendingPresses.values()) clearTimeout(press.timer);
  pendingPresses.clear();
  stopTyping();
  view.clear();
  ui.apiLog.replaceChildren();
  ui.apiLogEmpty.hidden = false;
  renderProfile();
  renderReplyKeyboardState();
  renderWelcome();
  setOnline(true);
  showToast(`Новый клиент: ${state.user.firstName}, ID ${state.user.id}`);
  ui.text.focus();
}

// ---- chat chrome ----------------------------------------------------------------------------

function renderWelcome() {
  ui.welcome.hidden = !view.isEmpty;
}

function setOnline(online, reason) {
  ui.connection.hidden = online;
  if (!online) ui.connection.textContent = reason;
  if (!typingTimer) ui.botStatus.textContent = online ? "бот" : "нет связи";
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
  ui.botStatus.textContent = ui.connection.hidden ? "бот" : "нет связи";
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

function deliver(item, update) {
  const sentIn = generation;
  return inOrder(async () => {
    const result = await telegram.deliverUpdate(update);
    if (sentIn !== generation) return;
    if (result.delivered) {
      item.status = lastBotMessageAt > item.at ? "read" : "sent";
      if (item.status === "sent") startTyping();
    } else {
      item.status = "failed";
      item.reason = result.reason;
      addNotice(`Сообщение не доставлено: ${item.reason}`);
    }
    view.refresh(item);
    persist();
  });
}

function sendText(text) {
  const messageId = takeMessageId();
  const item = addItem({ kind: "user-text", text, messageId, status: "pending" });
  return deliver(item, telegram.textUpdate(state.user, messageId, text));
}

function sendContact() {
  const messageId = takeMessageId();
  const { phone, firstName } = state.user;
  const item = addItem({ kind: "user-contact", phone, name: firstName, messageId, status: "pending" });
  return deliver(item, telegram.contactUpdate(state.user, messageId, phone));
}

function sendLocation() {
  const messageId = takeMessageId();
  const { latitude, longitude } = DEMO_LOCATION;
  const item = addItem({ kind: "user-location", latitude, longitude, messageId, status: "pending" });
  return deliver(item, telegram.locationUpdate(state.user, messageId, latitude, longitude));
}

async function sendFile(file) {
  if (file.size > MAX_UPLOAD_BYTES) {
    showToast("Файл больше 50 МБ — Telegram не примет его от бота");
    return;
  }
  const messageId = takeMessageId();
  const item = addItem({ kind: "user-file", name: file.name, size: file.size, messageId, status: "pending" });
  const sentIn = generation;
  try {
    const stored = await telegram.uploadFile(file);
    if (sentIn !== generation) return;
    await deliver(item, telegram.documentUpdate(state.user, messageId, file, stored));
  } catch (error) {
    if (sentIn !== generation) return;
    item.status = "failed";
    item.reason = "файл не загрузился";
    view.refresh(item);
    addNotice(`Файл не отправлен: ${error.message}`);
  }
}

function pressInlineButton(item, button, node) {
  if (node.classList.contains("is-loading")) return;
  node.classList.add("is-loading");
  const message = telegram.messageOfCall(item.call, state.user);
  const { callbackId, update } = telegram.callbackUpdate(state.user, message, button.callback_data);
  const timer = setTimeout(() => settlePress(callbackId), CALLBACK_TIMEOUT_MS);
  pendingPresses.set(callbackId, { node, timer });
  const sentIn = generation;
  const pressedAt = Date.now();
  inOrder(async () => {
    const result = await telegram.deliverUpdate(update);
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

// ---- the bot's reply keyboard ---------------------------------------------------------------

function renderReplyKeyboardState() {
  const stick = view.nearBottom();
  const markup = state.replyKeyboard ?? null;
  const open = Boolean(markup) && state.replyKeyboardOpen !== false;
  ui.keyboardToggle.hidden = !markup;
  ui.keyboardToggle.classList.toggle("is-active", open);
  ui.replyKeyboard.hidden = !open;
  ui.text.placeholder = markup?.input_field_placeholder || "Сообщение";
  if (markup) renderReplyKeyboard(ui.replyKeyboard, markup, pressReplyButton);
  if (stick) view.scrollToBottom();
}

function setReplyKeyboard(markup) {
  state.replyKeyboard = markup;
  state.replyKeyboardOpen = true;
  renderReplyKeyboardState();
}

function pressReplyButton(button) {
  if (state.replyKeyboard?.one_time_keyboard) {
    state.replyKeyboardOpen = false;
    renderReplyKeyboardState();
  }
  if (button.request_contact) {
    ui.contactPhone.textContent = state.user.phone;
    ui.contactDialog.showModal();
  } else if (button.request_location) {
    sendLocation();
  } else if (button.text) {
    sendText(button.text);
  }
}

// ---- what the bot did -----------------------------------------------------------------------

function messageIdOf(item) {
  return item.kind === "bot" ? item.call.result?.message_id : undefined;
}

function findBotMessage(messageId) {
  const wanted = Number(messageId);
  return state.items.findLast((item) => Number(messageIdOf(item)) === wanted) ?? null;
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
  const messageId = Number(call.result?.message_id);
  if (Number.isSafeInteger(messageId) && messageId >= state.nextMessageId) state.nextMessageId = messageId + 1;
  const botName = call.result?.from?.first_name;
  if (botName && botName !== state.botName) {
    state.botName = botName;
    ui.botName.textContent = botName;
  }
  const markup = telegram.parseJsonField(call.body?.reply_markup);
  if (Array.isArray(markup?.keyboard)) setReplyKeyboard(markup);
  else if (markup?.remove_keyboard) setReplyKeyboard(null);
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

function isForThisChat(call) {
  const chatId = call.body?.chat_id;
  return chatId === undefined || chatId === null || String(chatId) === String(state.user.id);
}

function logCall(call) {
  const entry = document.createElement("li");
  const method = document.createElement("span");
  method.className = "log-method";
  method.textContent = call.method;
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
  if (call.method === "answerCallbackQuery") {
    answerPress(call.body ?? {});
  } else if (call.method === "sendChatAction") {
    startTyping();
  } else if (telegram.MESSAGE_METHODS.has(call.method)) {
    if (call.ok === false) {
      const detail = call.description ?? `код ${call.error_code ?? "?"}`;
      addNotice(`Telegram отклонил ${call.method}: ${detail}`);
    } else {
      addBotMessage(call);
    }
  } else if (telegram.EDIT_METHODS.has(call.method) && call.ok !== false) {
    applyEdit(call);
  }
}

function handleCalls(calls) {
  const fresh = calls.filter((call) => Number(call.seq) > state.lastSeq).sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) return;
  for (const call of fresh) {
    state.lastSeq = Number(call.seq);
    if (isForThisChat(call)) handleCall(call);
  }
  persist();
}

function connectionProblem(error) {
  return error instanceof telegram.FakeTelegramError
    ? "Поддельный Telegram не отвечает — сервер запущен в демо-режиме?"
    : "Нет связи с сервером — переподключаюсь…";
}

/**
 * The fake Telegram keeps its log in memory: if it knows fewer calls for this chat than the page
 * has seen, the server was restarted, and the page starts reading its log from the beginning.
 */
async function resynchronize() {
  const calls = await telegram.fetchCalls(state.user.id, 0);
  const newest = calls.reduce((max, call) => Math.max(max, Number(call.seq) || 0), 0);
  if (newest < state.lastSeq) {
    state.lastSeq = 0;
    addNotice("Сервер перезапущен — журнал поддельного Telegram начат заново");
  }
  for (const call of calls.slice(-MAX_LOG_ENTRIES)) if (Number(call.seq) <= state.lastSeq) logCall(call);
  handleCalls(calls);
}

async function pollForever() {
  let synchronized = false;
  for (;;) {
    const polledFor = generation;
    try {
      if (synchronized) {
        const calls = await telegram.fetchCalls(state.user.id, state.lastSeq);
        if (polledFor === generation) handleCalls(calls);
      } else {
        await resynchronize();
        synchronized = true;
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
}

function bindComposer() {
  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.text.value.trim();
    if (!text) return;
    ui.text.value = "";
    fitComposer();
    sendText(text);
  });
  ui.text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.composer.requestSubmit();
    }
  });
  ui.text.addEventListener("input", fitComposer);
  ui.start.addEventListener("click", () => sendText("/start"));
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
    if (ui.contactDialog.returnValue === "share") sendContact();
    ui.contactDialog.returnValue = "";
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

renderProfile();
restoreTranscript();
renderReplyKeyboardState();
bindProfile();
bindComposer();
ui.text.focus();
pollForever();
