// Queue titles in the console's language. The server names queues (first_line, lawyers:family); people
// read their titles (Первая линия, Юристы: family), which /console/api/queues gives in every language.

import { api } from "./api.js";
import { locale } from "./i18n.js";

const titles = new Map();

/** Learns the titles once per sign-in; a queue it never heard of is shown by its name. */
export async function loadQueueTitles() {
  try {
    rememberQueues((await api.queues()).items ?? []);
  } catch {
    // Names instead of titles until the next sign-in; nothing else depends on them.
  }
}

export function rememberQueues(items) {
  for (const queue of items) {
    if (queue?.name && queue.titles && typeof queue.titles === "object") titles.set(queue.name, queue.titles);
  }
}

export function queueTitle(name) {
  if (!name) return "";
  const [base, ...topic] = String(name).split(":");
  const known = titles.get(base);
  const title = known?.[locale()] ?? known?.ru ?? base;
  return topic.length ? `${title}: ${topic.join(":")}` : title;
}
