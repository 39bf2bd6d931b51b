// One list of conversations (queue, mine or all): who, where from, why, how long they have waited.

import { channelMark, h, icon } from "./dom.js";
import { clock, hueOf, initials, secondsSince, when } from "./format.js";
import { t } from "./i18n.js";
import { queueTitle } from "./queues.js";

const LATE_S = 60;
const OVERDUE_S = 300;

export function renderConversationList(list, { items, view, currentId, me, search, loaded, failed, fresh }) {
  const focused = list.contains(document.activeElement) ? document.activeElement.closest("[data-id]")?.dataset.id : null;
  if (!items.length) {
    list.replaceChildren(h("li", {}, emptyState(view, search, loaded, failed)));
    return;
  }
  list.replaceChildren(...items.map((item) => h("li", {}, listItem(item, { view, currentId, me, fresh }))));
  tickWaits(list);
  if (focused) list.querySelector(`[data-id="${CSS.escape(focused)}"]`)?.focus();
}

function emptyState(view, search, loaded, failed) {
  if (!loaded) {
    return h("div", { class: "empty-state" }, failed ? [icon("offline"), t("list.loadFailed")] : h("div", { class: "spinner" }));
  }
  if (search) return h("div", { class: "empty-state" }, icon("search"), t("list.nothingFound", { q: search }));
  const key = { queue: "Queue", mine: "Mine", all: "All" }[view];
  return h(
    "div",
    { class: "empty-state" },
    icon(view === "queue" ? "queue" : "inbox"),
    h("strong", {}, t(`list.empty${key}`)),
    h("span", {}, t(`list.empty${key}Hint`)),
  );
}

/**
 * The line under the name, as the server picked it (``preview``): a waiting client's own words, else the
 * button they pressed last; for a conversation in hand the newest of the talk.
 */
function previewOf(item, me) {
  const last = item.preview;
  if (!last) return h("span", { class: "conv-preview" }, t(item.state === "queued" ? "list.clientSilent" : "list.noPreview"));
  if (last.kind === "button") return pressedPreview(last);
  const text = (last.text ?? "").replace(/\s+/g, " ").trim() || "📎";
  const who = authorOf(last, item, me);
  return h("span", { class: "conv-preview" }, who ? [h("b", {}, `${who}: `), text] : text);
}

/** «Кнопка: Связаться с юристом»; a press whose button the server could not name says only that it was one. */
function pressedPreview(last) {
  const title = (last.text ?? "").replace(/\s+/g, " ").trim();
  if (!title) return h("span", { class: "conv-preview" }, t("kinds.button"));
  return h("span", { class: "conv-preview" }, h("b", {}, `${t("list.pressed")}: `), title);
}

/** «Вы», «Сотрудник», «Бот» or «Система» before the line; nothing before the client's own words. */
function authorOf(last, item, me) {
  if (last.author === "bot") return t("author.bot");
  if (last.author === "system") return t("author.system");
  if (last.author !== "person") return null;
  const writer = (last.person ?? item.assignee)?.login;
  return writer && writer === me?.login ? t("author.you") : t("author.person");
}

function listItem(item, { view, currentId, me, fresh }) {
  const id = String(item.id);
  const name = item.client?.name || `#${id}`;
  const emergency = item.priority === 0;
  const unread = Number(item.unread) || 0;
  const channelName = t(`channel.${item.channel}`);
  const avatar = h("span", { class: "avatar" }, initials(name), channelMark(item.channel, { size: 16, label: channelName }));
  avatar.style.setProperty("--hue", String(hueOf(item.client?.id ?? name)));

  const waitingSince = item.state === "queued" ? item.waiting_since ?? item.queued_at : item.waiting_since;
  const right = waitingSince
    ? h(
        "span",
        { class: "conv-wait", "data-since": waitingSince, title: t("list.waiting") },
        icon("clock", { size: 14 }),
        h("span", { class: "tick" }, clock(secondsSince(waitingSince) ?? 0)),
      )
    : h("span", { class: "conv-time" }, when(item.last_message?.at ?? item.assigned_at ?? item.queued_at));

  const chips = [];
  if (emergency) chips.push(h("span", { class: "chip chip-emergency" }, icon("warning", { size: 13 }), t("priority.emergency")));
  else if (item.priority === 10 && !["repeat_contact", "always_human"].includes(item.reason)) {
    chips.push(h("span", { class: "chip chip-high" }, t("priority.high")));
  }
  if (item.reason && !emergency) chips.push(h("span", { class: "chip" }, t(`reason.${item.reason}`)));
  if (item.state === "queued" && item.position) chips.push(h("span", { class: "chip chip-queue" }, t("list.position", { n: item.position })));
  if (view !== "mine" && item.state === "assigned" && item.assignee) {
    const mine = item.assignee.login === me?.login;
    chips.push(h("span", { class: "chip" }, icon("person", { size: 13 }), mine ? t("list.you") : item.assignee.name ?? item.assignee.login));
  }
  if (view === "all" || view === "queue") chips.push(h("span", { class: "chip chip-queue", title: item.queue }, queueTitle(item.queue)));

  const labelParts = [name, channelName, t(`state.${item.state}`)];
  if (emergency) labelParts.push(t("priority.emergency"));
  if (unread) labelParts.push(t("list.unread", { n: unread }));

  return h(
    "a",
    {
      href: `#/c/${encodeURIComponent(id)}`,
      class: ["conv-item", emergency && "is-emergency", unread && "has-unread", fresh?.has(id) && "is-new"],
      "aria-current": String(id === String(currentId)),
      "aria-label": labelParts.join(", "),
      dataset: { id },
    },
    avatar,
    h(
      "span",
      { class: "conv-body" },
      h("span", { class: "conv-row" }, h("span", { class: "conv-name" }, name), right),
      h(
        "span",
        { class: "conv-row" },
        previewOf(item, me),
        unread ? h("span", { class: "badge", "aria-hidden": "true" }, unread > 99 ? "99+" : String(unread)) : null,
      ),
      chips.length ? h("span", { class: "conv-chips" }, chips) : null,
    ),
  );
}

/** Moves every waiting clock in ``root`` on to now; colours it once it passes the service-level target. */
export function tickWaits(root) {
  const now = Date.now();
  for (const element of root.querySelectorAll("[data-since]")) {
    const seconds = secondsSince(element.dataset.since, now) ?? 0;
    const tick = element.querySelector(".tick") ?? element;
    tick.textContent = clock(seconds);
    element.classList.toggle("is-late", seconds >= LATE_S && seconds < OVERDUE_S);
    element.classList.toggle("is-overdue", seconds >= OVERDUE_S);
  }
}
