// Who the simulated user is on each messenger, and that messenger's transcript, kept across reloads.

const STORAGE_KEYS = {
  telegram: "omnicab.simulator.v1",
  viber: "omnicab.simulator.viber.v1",
  whatsapp: "omnicab.simulator.whatsapp.v1",
};
const ACTIVE_KEY = "omnicab.simulator.channel";
const BOT_KEY = "omnicab.simulator.bot";
const MAX_ITEMS = 300;

const NAMES = {
  ru: ["Анна", "Иван", "Мария", "Дмитрий", "Ольга", "Сергей", "Елена", "Алексей"],
  en: ["Anna", "John", "Mary", "David", "Olivia", "Sam", "Emma", "Alex"],
};

export function pickName(languageCode) {
  const list = NAMES[languageCode] ?? NAMES.ru;
  return list[Math.floor(Math.random() * list.length)];
}

/** Where a chat is kept: one per messenger, and per bot when the app serves several (`bot` set). */
function storageKey(channel, bot) {
  return bot ? `${STORAGE_KEYS[channel]}.bot.${bot}` : STORAGE_KEYS[channel];
}

export function emptyChat(channel, user, bot = null) {
  return { version: 1, channel, bot, user, nextMessageId: 1, lastSeq: 0, botName: null, items: [] };
}

function isValid(state, channel) {
  const id = state?.user?.id;
  const idOk = channel === "telegram" ? Number.isSafeInteger(id) : typeof id === "string" && id.length > 0;
  return (
    state && state.version === 1 && idOk && typeof state.user.firstName === "string" &&
    Array.isArray(state.items)
  );
}

/** The saved chat with `bot` on `channel` (a driver with `id` and `newUser`), or a new user's empty chat. */
export function loadState(channel, languageCode = "ru", bot = null) {
  try {
    const state = JSON.parse(localStorage.getItem(storageKey(channel.id, bot)) ?? "null");
    if (isValid(state, channel.id)) return { ...state, channel: channel.id, bot };
  } catch {
    // A corrupt or foreign value: start over with a new user.
  }
  return emptyChat(channel.id, channel.newUser(languageCode, { first: true }), bot);
}

export function saveState(state) {
  if (state.items.length > MAX_ITEMS) state.items.splice(0, state.items.length - MAX_ITEMS);
  try {
    localStorage.setItem(storageKey(state.channel, state.bot), JSON.stringify(state));
  } catch {
    // Storage full or disabled: the chat still works, it just will not survive a reload.
  }
}

export function loadActiveChannel(known) {
  try {
    const saved = localStorage.getItem(ACTIVE_KEY);
    if (known.includes(saved)) return saved;
  } catch {
    // Storage disabled: start on the first tab.
  }
  return known[0];
}

export function saveActiveChannel(id) {
  try {
    localStorage.setItem(ACTIVE_KEY, id);
  } catch {
    // Storage disabled: the tab is not remembered.
  }
}

/** The bot picked in this browser tab, if it is still one of `known` names. */
export function loadChosenBot(known) {
  try {
    const saved = sessionStorage.getItem(BOT_KEY);
    if (known.includes(saved)) return saved;
  } catch {
    // Storage disabled: the first bot is picked.
  }
  return null;
}

export function saveChosenBot(name) {
  try {
    sessionStorage.setItem(BOT_KEY, name);
  } catch {
    // Storage disabled: the pick lasts until the page reloads.
  }
}

/** Messengers send the number the account is registered with: digits with a leading plus. */
export function normalizePhone(value) {
  const digits = String(value).replace(/\D/g, "");
  return digits ? `+${digits}` : "";
}
