// The fake WhatsApp Cloud API's HTTP surface and the webhook notifications a user's messages arrive in.

import { FakeUnavailable, getCalls, postUpdate } from "./fake-http.js";
import { pickName } from "./profile.js";
import { renderWhatsAppMessage } from "./whatsapp-view.js";

const FAKE = "/fake/whatsapp";
/** The demo client's verified number: the first WhatsApp user of a browser writes from it. */
const DEMO_CLIENT_NUMBER = "79000000001";

/** The bot's phone number id, learned from the endpoints it calls (`/<phone_id>/messages`). */
let botPhoneId = null;

function randomDigits(count) {
  return Array.from(crypto.getRandomValues(new Uint8Array(count)), (byte) => byte % 10).join("");
}

function wamid() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `wamid.HBgL${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("").toUpperCase()}`;
}

/** A Cloud API webhook notification with one message from `user`; the fake fills what Meta fills. */
function notification(user, message) {
  const value = {
    messaging_product: "whatsapp",
    contacts: [{ profile: { name: user.firstName }, wa_id: user.id }],
    messages: [{ from: user.id, id: wamid(), timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
  };
  if (botPhoneId) value.metadata = { phone_number_id: botPhoneId };
  return { object: "whatsapp_business_account", entry: [{ changes: [{ field: "messages", value }] }] };
}

async function uploadUserMedia(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch(`${FAKE}/user_media`, { method: "POST", body: form });
  if (!response.ok) throw new FakeUnavailable(`upload: HTTP ${response.status}`);
  const media = await response.json();
  if (!media.id) throw new FakeUnavailable("upload: no media id in the answer");
  return media;
}

function mediaKind(mimeType) {
  if (mimeType.startsWith("image/")) return "image";
  if (mimeType.startsWith("audio/")) return "audio";
  if (mimeType.startsWith("video/")) return "video";
  return "document";
}

function isMessageCall(call) {
  return /\/messages$/.test(call.method) && typeof call.body?.type === "string" && call.body.status !== "read";
}

export const channel = {
  id: "whatsapp",
  title: "WhatsApp",
  idLabel: "WhatsApp wa_id",
  apiName: "Cloud API",
  defaultBotName: "Omnicab Legal",
  botStatus: "бизнес-аккаунт",
  phoneEditable: false,
  canAttach: true,
  /** The longest text body WhatsApp takes from a user. */
  maxTextLength: 65536,
  welcome: {
    text: "Клиент пишет в WhatsApp бизнес-аккаунту. Номер отправителя — его подтверждённый телефон: бот сразу узнаёт клиента.",
    button: "Начать",
  },
  FakeError: FakeUnavailable,

  newUser(languageCode, { first = false } = {}) {
    const id = first ? DEMO_CLIENT_NUMBER : `7900${randomDigits(7)}`;
    return { id, firstName: pickName(languageCode), languageCode, phone: `+${id}` };
  },
  deliver(update, bot) {
    return postUpdate(`${FAKE}/updates`, update, bot);
  },
  fetchCalls(user, after, bot) {
    return getCalls(`${FAKE}/outbox`, user.id, after, bot);
  },
  startText(user) {
    return user.languageCode === "en" ? "Start" : "Начать";
  },
  isForChat(call, user) {
    const to = call.body?.to;
    return to === undefined || to === null || String(to).replace(/\D/g, "") === user.id || call.chat_id === user.id;
  },
  kindOf(call) {
    const phoneId = /^\/([^/]+)\/messages$/.exec(call.method)?.[1];
    if (phoneId && call.ok !== false) botPhoneId = phoneId;
    return isMessageCall(call) ? "message" : "other";
  },
  logLabel(call) {
    const endpoint = call.method.split("/").pop();
    return call.body?.type ? `${endpoint} · ${call.body.type}` : endpoint;
  },
  botNameOf() {
    return null;
  },
  messageIdOf(call) {
    return call.result?.messages?.[0]?.id;
  },
  keyboardOf() {
    return null;
  },
  renderBot: renderWhatsAppMessage,
  textUpdate(user, messageId, text) {
    return notification(user, { type: "text", text: { body: text } });
  },
  async fileUpdate(user, messageId, file) {
    const media = await uploadUserMedia(file);
    const kind = mediaKind(media.mime_type || file.type || "");
    const content = { id: media.id, mime_type: media.mime_type, sha256: media.sha256 };
    if (kind === "document") content.filename = file.name;
    if (kind === "audio") content.voice = false;
    return notification(user, { type: kind, [kind]: content });
  },
  locationUpdate(user, messageId, latitude, longitude) {
    return notification(user, { type: "location", location: { latitude, longitude } });
  },
  /** A reply button or a list row: an `interactive` message in reply to the bot's message. */
  press(item, choice, user) {
    const reply = { id: choice.id, title: choice.title };
    if (choice.kind === "list_reply" && choice.description) reply.description = choice.description;
    const message = { type: "interactive", interactive: { type: choice.kind, [choice.kind]: reply } };
    const repliedTo = channel.messageIdOf(item.call);
    if (repliedTo) message.context = { id: repliedTo };
    const quote = item.call.body?.interactive?.body?.text ?? "";
    return { update: notification(user, message), echo: { text: choice.title, quote } };
  },
};
