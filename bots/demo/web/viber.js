// The fake Viber's HTTP surface and the callback shapes a Viber user's app would send.

import { FakeUnavailable, getCalls, postUpdate } from "./fake-http.js";
import { pickName } from "./profile.js";
import { renderViberKeyboard, renderViberMessage } from "./viber-view.js";

const FAKE = "/fake/viber";
const MESSAGE_METHODS = new Set(["send_message", "welcome_message"]);

/** Viber user ids are 16 random bytes in base64, like "01234567890A+bcdEFghiQ==". */
function freshUserId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

function randomDigits(count) {
  return Array.from(crypto.getRandomValues(new Uint8Array(count)), (byte) => byte % 10).join("");
}

function profile(user) {
  return { id: user.id, name: user.firstName, language: user.languageCode, country: "RU", api_version: 10 };
}

/** A `message` callback; the fake fills `message_token` as Viber does. */
function messageCallback(user, message, silent = false) {
  return { event: "message", timestamp: Date.now(), sender: profile(user), message, silent };
}

export const channel = {
  id: "viber",
  title: "Viber",
  idLabel: "Viber ID",
  apiName: "REST API",
  defaultBotName: "Legal",
  botStatus: "чат-бот",
  phoneEditable: true,
  canAttach: false,
  /** Viber refuses a longer text message. */
  maxTextLength: 7000,
  welcome: {
    text: "Клиент открывает чат с ботом в Viber: бот получает conversation_started и отвечает приветствием с клавиатурой.",
    button: "Открыть чат",
  },
  FakeError: FakeUnavailable,

  newUser(languageCode) {
    return { id: freshUserId(), firstName: pickName(languageCode), languageCode, phone: `+7900${randomDigits(7)}` };
  },
  deliver(update, bot) {
    return postUpdate(`${FAKE}/updates`, update, bot);
  },
  fetchCalls(user, after, bot) {
    return getCalls(`${FAKE}/outbox`, user.id, after, bot);
  },
  /** Opening the chat: the bot may answer with one welcome message in its webhook's response. */
  openUpdate(user) {
    return { event: "conversation_started", timestamp: Date.now(), type: "open", user: profile(user), subscribed: false };
  },
  isForChat(call, user) {
    return call.chat_id === undefined || call.chat_id === null || call.chat_id === user.id;
  },
  kindOf(call) {
    return MESSAGE_METHODS.has(call.method) ? "message" : "other";
  },
  logLabel(call) {
    return call.method;
  },
  botNameOf(call) {
    return call.body?.sender?.name ?? null;
  },
  messageIdOf(call) {
    return call.result?.message_token;
  },
  /** Viber shows the keyboard of the newest message only: a message without one hides it. */
  keyboardOf(call) {
    const keyboard = call.body?.keyboard;
    return Array.isArray(keyboard?.Buttons) && keyboard.Buttons.length > 0 ? keyboard : null;
  },
  renderKeyboard: renderViberKeyboard,
  renderBot: renderViberMessage,
  textUpdate(user, messageId, text, { silent = false } = {}) {
    return messageCallback(user, { type: "text", text }, silent);
  },
  /** A share-phone press: the user's own number, with the button's ActionBody as the message text. */
  contactUpdate(user, messageId, action) {
    const contact = { name: user.firstName, phone_number: user.phone.replace(/\D/g, "") };
    return messageCallback(user, { type: "contact", text: action.actionBody, contact });
  },
  locationUpdate(user, messageId, latitude, longitude) {
    return messageCallback(user, { type: "location", location: { lat: latitude, lon: longitude } });
  },
  press() {
    return null;
  },
};
