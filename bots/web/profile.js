// Who the simulated Telegram user is, and the chat transcript, kept across page reloads.

const STORAGE_KEY = "omnicab.simulator.v1";
const MAX_ITEMS = 300;

const NAMES = {
  ru: ["Анна", "Иван", "Мария", "Дмитрий", "Ольга", "Сергей", "Елена", "Алексей"],
  en: ["Anna", "John", "Mary", "David", "Olivia", "Sam", "Emma", "Alex"],
};

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

/** A Telegram-sized user id no earlier session of this browser is likely to have used. */
function freshUserId() {
  return 6_000_000_000 + Math.floor(Math.random() * 999_999_999);
}

function demoPhone(userId) {
  return `+7900${String(userId).slice(-7)}`;
}

export function newUser(languageCode = "ru") {
  const id = freshUserId();
  return { id, firstName: pick(NAMES[languageCode] ?? NAMES.ru), languageCode, phone: demoPhone(id) };
}

export function emptyChat(user) {
  return { version: 1, user, nextMessageId: 1, lastSeq: 0, botName: null, items: [] };
}

function isValid(state) {
  return (
    state && state.version === 1 && Number.isSafeInteger(state.user?.id) &&
    typeof state.user.firstName === "string" && Array.isArray(state.items)
  );
}

export function loadState() {
  try {
    const state = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    if (isValid(state)) return state;
  } catch {
    // A corrupt or foreign value: start over with a new user.
  }
  return emptyChat(newUser());
}

export function saveState(state) {
  if (state.items.length > MAX_ITEMS) state.items.splice(0, state.items.length - MAX_ITEMS);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
  } catch {
    // Storage full or disabled: the chat still works, it just will not survive a reload.
  }
}

/** Telegram sends the number the account is registered with: digits with a leading plus. */
export function normalizePhone(value) {
  const digits = String(value).replace(/\D/g, "");
  return digits ? `+${digits}` : "";
}
