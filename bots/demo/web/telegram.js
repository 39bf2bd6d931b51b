// The fake Telegram's HTTP surface and the Bot API shapes the simulator exchanges with it.

import { forBot } from "./fake-http.js";
import { pickName } from "./profile.js";

const FAKE = "/fake/telegram";
/** The most characters one Telegram message holds; the apps send a longer text as several messages. */
export const MAX_TEXT_LENGTH = 4096;

/** Bot API methods whose call puts a message into the chat. */
export const MESSAGE_METHODS = new Set([
  "sendMessage", "sendPhoto", "sendDocument", "sendAudio", "sendVoice", "sendVideo",
  "sendAnimation", "sendLocation", "sendContact",
]);

/** Methods that change a message already in the chat. */
export const EDIT_METHODS = new Set(["editMessageText", "editMessageCaption", "editMessageReplyMarkup", "deleteMessage"]);

export class FakeTelegramError extends Error {}

/** Delivers an Update to the (chosen) bot's webhook; resolves with the webhook's HTTP status. */
export async function deliverUpdate(update, bot = null) {
  let response;
  try {
    response = await fetch(forBot(`${FAKE}/updates`, bot), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(update),
    });
  } catch (error) {
    return { delivered: false, status: 0, reason: "нет связи с сервером" };
  }
  const answer = await response.json().catch(() => ({}));
  const delivered = response.ok && answer.delivered !== false;
  return {
    delivered,
    status: answer.status ?? response.status,
    updateId: answer.update_id ?? null,
    reason: delivered ? null : undeliveredReason(response.status, answer),
  };
}

function undeliveredReason(httpStatus, answer) {
  if (answer.queued) return "бот ещё не зарегистрировал вебхук — апдейт ждёт в очереди getUpdates";
  if (answer.filtered) return `бот не подписан на апдейты «${answer.filtered}»`;
  if (httpStatus === 409) return "бот ещё не зарегистрировал вебхук — подождите пару секунд";
  if (httpStatus === 502) return "вебхук бота недоступен";
  if (typeof answer.status === "number") return `вебхук ответил ${answer.status}`;
  return answer.error ?? `поддельный Telegram ответил ${httpStatus}`;
}

/** The Bot API calls the bot (or bots, `bot` null) made for one chat, after sequence number `after`. */
export async function fetchCalls(chatId, after, bot = null) {
  const query = new URLSearchParams({ chat_id: String(chatId), after: String(after) });
  if (bot) query.set("bot", bot);
  const response = await fetch(`${FAKE}/outbox?${query}`, { cache: "no-store" });
  if (!response.ok) throw new FakeTelegramError(`outbox: HTTP ${response.status}`);
  const answer = await response.json();
  return Array.isArray(answer.calls) ? answer.calls : [];
}

/** Uploads a file the user attaches; the fake keeps it and names it with a file_id. */
export async function uploadFile(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch(`${FAKE}/files`, { method: "POST", body: form });
  if (!response.ok) throw new FakeTelegramError(`upload: HTTP ${response.status}`);
  const answer = await response.json();
  const stored = answer.result ?? answer;
  if (!stored.file_id) throw new FakeTelegramError("upload: no file_id in the answer");
  return stored;
}

/** aiogram posts nested objects as JSON strings inside form fields; accept both shapes. */
export function parseJsonField(value) {
  if (typeof value !== "string") return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

function unixNow() {
  return Math.floor(Date.now() / 1000);
}

function sender(user) {
  return { id: user.id, is_bot: false, first_name: user.firstName, language_code: user.languageCode };
}

function privateChat(user) {
  return { id: user.id, type: "private", first_name: user.firstName };
}

function baseMessage(user, messageId) {
  return { message_id: messageId, date: unixNow(), chat: privateChat(user), from: sender(user) };
}

const COMMAND = /^\/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?/;

export function textUpdate(user, messageId, text) {
  const message = { ...baseMessage(user, messageId), text };
  const command = COMMAND.exec(text);
  if (command) message.entities = [{ type: "bot_command", offset: 0, length: command[0].length }];
  return { message };
}

export function contactUpdate(user, messageId, phone) {
  return {
    message: {
      ...baseMessage(user, messageId),
      contact: { phone_number: phone, first_name: user.firstName, user_id: user.id },
    },
  };
}

export function locationUpdate(user, messageId, latitude, longitude) {
  return { message: { ...baseMessage(user, messageId), location: { latitude, longitude } } };
}

export function documentUpdate(user, messageId, file, stored, caption) {
  const document = {
    file_id: stored.file_id,
    file_unique_id: stored.file_unique_id ?? stored.file_id.slice(-16),
    file_name: file.name,
    mime_type: file.type || "application/octet-stream",
    file_size: file.size,
  };
  const message = { ...baseMessage(user, messageId), document };
  if (caption) message.caption = caption;
  return { message };
}

let callbackCounter = 0;

/** A press of an inline button under `botMessage` (the Message the fake returned for the bot's call). */
export function callbackUpdate(user, botMessage, data) {
  callbackCounter += 1;
  const id = `${user.id}${Date.now()}${callbackCounter}`;
  return {
    callbackId: id,
    update: {
      callback_query: { id, from: sender(user), chat_instance: String(user.id), data, message: botMessage },
    },
  };
}

/** The Message a call produced, as Telegram would show it inside a callback_query. */
export function messageOfCall(call, user) {
  const result = call.result && typeof call.result === "object" ? call.result : {};
  const message = {
    message_id: result.message_id ?? call.seq,
    date: result.date ?? Math.floor(call.at ?? unixNow()),
    chat: result.chat ?? privateChat(user),
    from: result.from ?? { id: 0, is_bot: true, first_name: "Bot" },
  };
  const text = result.text ?? call.body?.text;
  if (typeof text === "string") message.text = text;
  return message;
}

/**
 * A text as Telegram's apps send it: one message per at most `limit` characters, in order, each cut at
 * a paragraph or line break in its second half, else at the last space, else inside a word (never
 * between the two halves of a surrogate pair).
 */
export function splitLongText(text, limit = MAX_TEXT_LENGTH) {
  const parts = [];
  let rest = text;
  while (rest.length > limit) {
    const cut = cutPosition(rest, limit);
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

function cutPosition(text, limit) {
  const head = text.slice(0, limit + 1);
  for (const [separator, earliest] of [["\n\n", limit / 2], ["\n", limit / 2], [" ", 1]]) {
    const at = head.lastIndexOf(separator);
    if (at >= earliest) return at;
  }
  const high = text.charCodeAt(limit - 1);
  return high >= 0xd800 && high <= 0xdbff ? limit - 1 : limit;
}

function freshUserId() {
  return 6_000_000_000 + Math.floor(Math.random() * 999_999_999);
}

/** What the simulator needs from Telegram: updates out, Bot API calls in, and how they look. */
export const channel = {
  id: "telegram",
  title: "Telegram",
  idLabel: "Telegram ID",
  apiName: "Bot API",
  defaultBotName: "Legal",
  botStatus: "бот",
  phoneEditable: true,
  canAttach: true,
  maxTextLength: MAX_TEXT_LENGTH,
  splitText: splitLongText,
  welcome: {
    text: "Напишите боту так, как написал бы клиент в Telegram. Он поможет создать обращение, ответит на частые вопросы и позовёт юриста.",
    button: "Начать",
  },
  FakeError: FakeTelegramError,

  newUser(languageCode) {
    const id = freshUserId();
    return { id, firstName: pickName(languageCode), languageCode, phone: `+7900${String(id).slice(-7)}` };
  },
  deliver: deliverUpdate,
  fetchCalls(user, after, bot) {
    return fetchCalls(user.id, after, bot);
  },
  startText() {
    return "/start";
  },
  isForChat(call, user) {
    const chatId = call.body?.chat_id;
    return chatId === undefined || chatId === null || String(chatId) === String(user.id);
  },
  kindOf(call) {
    if (call.method === "answerCallbackQuery") return "answer";
    if (call.method === "sendChatAction") return "typing";
    if (MESSAGE_METHODS.has(call.method)) return "message";
    if (EDIT_METHODS.has(call.method)) return "edit";
    return "other";
  },
  logLabel(call) {
    return call.method;
  },
  botNameOf(call) {
    return call.result?.from?.first_name ?? null;
  },
  messageIdOf(call) {
    return call.result?.message_id;
  },
  /** The reply keyboard a message installs: undefined leaves the current one, null removes it. */
  keyboardOf(call) {
    const markup = parseJsonField(call.body?.reply_markup);
    if (Array.isArray(markup?.keyboard)) return markup;
    if (markup?.remove_keyboard) return null;
    return undefined;
  },
  textUpdate,
  contactUpdate(user, messageId) {
    return contactUpdate(user, messageId, user.phone);
  },
  locationUpdate,
  async fileUpdate(user, messageId, file) {
    const stored = await uploadFile(file);
    return documentUpdate(user, messageId, file, stored);
  },
  /** An inline button press: a callback_query the bot answers with answerCallbackQuery. */
  press(item, button, user) {
    if (typeof button.callback_data !== "string") return null;
    const { callbackId, update } = callbackUpdate(user, messageOfCall(item.call, user), button.callback_data);
    return { update, callbackId };
  },
};
