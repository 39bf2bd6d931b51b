// Talking to a fake platform's two endpoints: user updates in, the log of the bots' API calls out.

export class FakeUnavailable extends Error {}

/** `url` addressed to one demo bot (`?bot=`) when the app serves several; `bot` null leaves it as is. */
export function forBot(url, bot) {
  if (!bot) return url;
  return `${url}${url.includes("?") ? "&" : "?"}${new URLSearchParams({ bot })}`;
}

function undeliveredReason(httpStatus, answer) {
  if (answer.filtered) return `бот не подписан на события «${answer.filtered}»`;
  if (httpStatus === 409) return "бот ещё не зарегистрировал вебхук — подождите пару секунд";
  if (httpStatus === 502) return "вебхук бота недоступен";
  if (typeof answer.status === "number") return `вебхук ответил ${answer.status}`;
  return answer.error ?? `поддельная платформа ответила ${httpStatus}`;
}

/** The demo bots a person can write to through a fake, `[{name, title}]`; null when unreachable. */
export async function fetchBots(channelId) {
  try {
    const response = await fetch(`/fake/${channelId}/bots`, { cache: "no-store" });
    if (!response.ok) return null;
    const answer = await response.json();
    if (!Array.isArray(answer.bots)) return null;
    return answer.bots.filter((bot) => typeof bot?.name === "string" && typeof bot?.title === "string");
  } catch {
    return null;
  }
}

/** Posts an update in the platform's webhook format; the fake signs it and delivers it to the bot. */
export async function postUpdate(url, payload, bot = null) {
  let response;
  try {
    response = await fetch(forBot(url, bot), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
  } catch {
    return { delivered: false, status: 0, reason: "нет связи с сервером", answer: {} };
  }
  const answer = await response.json().catch(() => ({}));
  const delivered = response.ok && answer.delivered === true;
  return {
    delivered,
    status: answer.status ?? response.status,
    answer,
    reason: delivered ? null : undeliveredReason(response.status, answer),
  };
}

/** The API calls the bot (or bots, `bot` null) made for one chat, after sequence number `after`. */
export async function getCalls(url, chatId, after, bot = null) {
  const query = new URLSearchParams({ chat_id: String(chatId), after: String(after) });
  if (bot) query.set("bot", bot);
  const response = await fetch(`${url}?${query}`, { cache: "no-store" });
  if (!response.ok) throw new FakeUnavailable(`outbox: HTTP ${response.status}`);
  const answer = await response.json();
  return Array.isArray(answer.calls) ? answer.calls : [];
}
