// The context packet on the right: who the client is and where they write from, why the bot handed them
// over and what it learned, their requests with deadlines, call recordings, refunds, ratings, broadcasts.

import { channelMark, h, icon } from "./dom.js";
import { dateOnly, duration, hueOf, initials, maskDigits, money, parseTime, when } from "./format.js";
import { t, tMaybe } from "./i18n.js";

const OPEN_KEY = "omnicab.console.sections";
const CLOSED_REQUEST = new Set(["closed"]);
/** Scores shown as a number out of the scale's top, not as five stars (CSAT). */
const SCORE_SCALES = { ces: 7, nps: 10 };
const SLOT_SUMMARY_FIELDS = 3;
const SLOT_FIELD_CHARS = 40;

function openSections() {
  try {
    return JSON.parse(localStorage.getItem(OPEN_KEY) ?? "{}") ?? {};
  } catch {
    return {};
  }
}

function rememberSection(name, open) {
  const state = openSections();
  state[name] = open;
  try {
    localStorage.setItem(OPEN_KEY, JSON.stringify(state));
  } catch {
    // Not remembered.
  }
}

export function createContextPanel({ onClose }) {
  const body = h("div", { class: "context-scroll" });
  const closeButton = h(
    "button",
    { type: "button", class: "icon-btn", "aria-label": t("context.close"), title: t("context.close"), onclick: onClose },
    icon("close"),
  );
  const element = h(
    "aside",
    { class: "pane context-pane", id: "context-pane", "aria-labelledby": "context-title", tabindex: "-1" },
    h("header", { class: "pane-header" }, h("h2", { id: "context-title" }, t("context.title")), closeButton),
    body,
  );
  element.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && element.closest(".context-open")) onClose();
  });

  return {
    element,
    focus() {
      closeButton.focus();
    },
    render(packet) {
      if (!packet) {
        body.replaceChildren(h("div", { class: "empty-state" }, icon("person"), t("conversation.emptyTitle")));
        return;
      }
      const scroll = body.scrollTop;
      body.replaceChildren(
        profile(packet),
        section("channels", "phone", t("context.channels"), channels(packet), (packet.channels ?? []).length),
        section("handoff", "bot", t("context.handoff"), handoff(packet)),
        requestsSection(packet),
        section("recordings", "mic", t("context.recordings"), recordings(packet), (packet.recordings ?? []).length),
        section("refunds", "money", t("context.refunds"), refunds(packet), (packet.refunds ?? []).length),
        section("ratings", "star", t("context.ratings"), ratings(packet), (packet.ratings ?? []).length),
        section("broadcasts", "broadcast", t("context.broadcasts"), broadcasts(packet), (packet.broadcasts ?? []).length),
      );
      body.scrollTop = scroll;
    },
  };
}

function section(name, iconName, title, content, count = null, { alert = false } = {}) {
  const stored = openSections()[name];
  const details = h(
    "details",
    { class: "section", open: stored ?? true, dataset: { section: name } },
    h(
      "summary",
      {},
      icon(iconName),
      h("span", {}, title),
      count ? h("span", { class: ["count", alert && "is-alert"] }, String(count)) : null,
      icon("expand", { className: "expand" }),
    ),
    h("div", { class: "section-body" }, content),
  );
  details.addEventListener("toggle", () => rememberSection(name, details.open));
  return details;
}

function empty(text) {
  return h("p", { class: "section-empty" }, text);
}

function profile(packet) {
  const client = packet.client ?? {};
  const data = packet.profile ?? {};
  const fullName = [data.first_name, data.last_name].filter(Boolean).join(" ") || client.name || "—";
  const avatar = h("span", { class: "avatar avatar-lg" }, initials(fullName));
  avatar.style.setProperty("--hue", String(hueOf(client.id ?? fullName)));
  const chips = [];
  if (data.always_human) chips.push(h("span", { class: "chip chip-warn" }, icon("person", { size: 13 }), t("context.alwaysHuman")));
  if (data.broadcast_opt_out) chips.push(h("span", { class: "chip" }, t("context.broadcastOptOut")));
  const facts = [];
  if (data.phone) {
    facts.push(
      h("dt", {}, t("context.phone")),
      h(
        "dd",
        {},
        data.phone,
        " ",
        h("span", { class: `chip ${data.phone_verified ? "chip-ok" : ""}` }, data.phone_verified ? t("context.verified") : t("context.unverified")),
      ),
    );
  }
  if (data.email) facts.push(h("dt", {}, t("context.email")), h("dd", {}, data.email));
  if (data.locale) facts.push(h("dt", {}, t("context.locale")), h("dd", {}, data.locale === "ru" ? "Русский" : data.locale === "en" ? "English" : data.locale));
  if (data.created_at) facts.push(h("dt", {}, t("context.since")), h("dd", {}, dateOnly(data.created_at)));
  if (client.id) facts.push(h("dt", {}, "ID"), h("dd", {}, h("code", {}, client.id)));
  return h(
    "div",
    { class: "profile" },
    avatar,
    h("h3", {}, fullName),
    chips.length ? h("div", { class: "chips" }, chips) : null,
    facts.length ? h("dl", { class: "facts" }, facts) : null,
  );
}

function channels(packet) {
  const list = packet.channels ?? [];
  if (!list.length) return empty(t("context.noChannels"));
  return list.map((channel) =>
    h(
      "div",
      { class: "channel-row" },
      channelMark(channel.channel, { size: 26, label: t(`channel.${channel.channel}`) }),
      h(
        "div",
        { class: "grow" },
        h("span", {}, [channel.name, channel.username ? `@${channel.username}` : null].filter(Boolean).join(" · ") || t(`channel.${channel.channel}`)),
        h(
          "small",
          {},
          [t(`channel.${channel.channel}`), channel.last_inbound_at ? t("context.lastSeen", { when: when(channel.last_inbound_at) }) : null].filter(Boolean).join(" · "),
        ),
      ),
      channel.unsubscribed ? h("span", { class: "chip chip-danger" }, t("context.unsubscribed")) : null,
    ),
  );
}

function handoff(packet) {
  const parts = [];
  const emergency = packet.priority === 0 || packet.reason === "emergency";
  parts.push(
    h(
      "div",
      { class: ["handoff-card", emergency && "is-emergency"] },
      h("strong", {}, tMaybe(`reason.${packet.reason}`) ?? packet.reason ?? "—"),
      packet.note ? h("span", {}, packet.note) : null,
      packet.queued_at ? h("span", { class: "row-sub" }, when(packet.queued_at)) : null,
    ),
  );
  const flow = packet.flow;
  if (flow && (flow.flow || flow.step)) {
    parts.push(
      h("div", { class: "field-label" }, t("context.flow")),
      h(
        "div",
        { class: "flow-path" },
        flow.flow ? h("code", {}, flow.flow) : null,
        flow.step ? [h("span", { "aria-hidden": "true" }, "→"), h("code", {}, flow.step)] : null,
        flow.waiting ? h("span", { class: "row-sub" }, `(${flow.waiting})`) : null,
      ),
    );
  }
  const slots = Object.entries(packet.slots ?? {}).filter(([, value]) => value !== null && value !== undefined && value !== "");
  parts.push(h("div", { class: "field-label" }, t("context.slots")));
  if (!slots.length) parts.push(empty(t("context.noSlots")));
  else {
    parts.push(
      h(
        "dl",
        { class: "slots" },
        slots.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, slotValue(value))]),
      ),
    );
  }
  return parts;
}

function requestsSection(packet) {
  const list = packet.requests ?? [];
  const now = Date.now();
  const open = list.filter((request) => !CLOSED_REQUEST.has(request.status));
  const overdue = open.filter((request) => {
    const due = parseTime(request.due_at);
    return due && due.getTime() < now && request.status !== "answered";
  }).length;
  const content = list.length
    ? list.map((request) => requestCard(request, now))
    : empty(t("context.noRequests"));
  return section("requests", "request", t("context.requests"), content, overdue || open.length, { alert: overdue > 0 });
}

function requestCard(request, now) {
  const due = parseTime(request.due_at);
  const waitingAnswer = request.status === "new" || request.status === "in_work";
  const overdue = due && waitingAnswer && due.getTime() < now;
  let deadline = null;
  if (due && overdue) deadline = t("context.overdue", { time: duration((now - due.getTime()) / 1000) });
  else if (due && waitingAnswer) {
    deadline = `${t("context.due", { date: when(request.due_at) })} · ${t("context.left", { time: duration((due.getTime() - now) / 1000) })}`;
  }
  const statusClass = { new: "chip-warn", in_work: "chip-queue", answered: "chip-ok", closed: "" }[request.status] ?? "";
  return h(
    "div",
    { class: ["card-row", overdue && "is-overdue"] },
    h(
      "div",
      { class: "row-top" },
      h("span", { class: "row-title" }, `${t("context.requestNumber", { n: request.number ?? request.id })} · ${request.topic ?? ""}`),
      h("span", { class: `chip ${statusClass}` }, tMaybe(`requestStatus.${request.status}`) ?? request.status),
    ),
    h(
      "div",
      { class: "row-sub" },
      [
        request.urgency === "emergency" ? t("priority.emergency") : null,
        request.answer_format ? tMaybe(`context.answer.${request.answer_format}`) : null,
        request.channel ? t(`channel.${request.channel}`) : null,
      ]
        .filter(Boolean)
        .join(" · "),
    ),
    deadline ? h("div", { class: "deadline row-sub" }, icon("clock", { size: 13 }), " ", deadline) : null,
  );
}

function recordings(packet) {
  const list = packet.recordings ?? [];
  if (!list.length) return empty(t("context.noRecordings"));
  return list.map((recording) =>
    h(
      "div",
      { class: "card-row" },
      h(
        "div",
        { class: "row-top" },
        h("span", { class: "row-title" }, t("context.recordingTitle", { date: when(recording.started_at), lawyer: recording.lawyer ?? "—" })),
      ),
      h(
        "div",
        { class: "row-sub" },
        [recording.direction ? tMaybe(`context.${recording.direction}`) : null, recording.duration != null ? duration(recording.duration) : null].filter(Boolean).join(" · "),
      ),
      recording.url ? h("audio", { controls: true, preload: "none", src: recording.url, "aria-label": t("context.recordingTitle", { date: when(recording.started_at), lawyer: recording.lawyer ?? "" }) }) : null,
    ),
  );
}

function payoutOf(refund) {
  const payout = refund.payout ?? null;
  const kind = payout?.kind ?? refund.payout_kind ?? null;
  const digits = payout?.last4 ?? payout?.digits ?? refund.payout_last4 ?? refund.payout_digits ?? refund.payout_masked ?? null;
  if (!kind && !digits) return null;
  const masked = maskDigits(digits);
  return tMaybe(`context.payout.${kind}`, { digits: masked }) ?? masked;
}

function refunds(packet) {
  const list = packet.refunds ?? [];
  if (!list.length) return empty(t("context.noRefunds"));
  const statusClass = { submitted: "chip-warn", in_review: "chip-queue", approved: "chip-ok", paid: "chip-ok", rejected: "chip-danger" };
  return list.map((refund) =>
    h(
      "div",
      { class: "card-row" },
      h(
        "div",
        { class: "row-top" },
        h("span", { class: "row-title" }, `${t("context.requestNumber", { n: refund.number ?? refund.id })} · ${refund.amount != null ? money(refund.amount) : ""}`),
        h("span", { class: `chip ${statusClass[refund.status] ?? ""}` }, tMaybe(`refundStatus.${refund.status}`) ?? refund.status),
      ),
      h("div", { class: "row-sub" }, [refund.contract, payoutOf(refund), refund.created_at ? when(refund.created_at) : null].filter(Boolean).join(" · ")),
    ),
  );
}

function stars(score, max) {
  const filled = Math.max(0, Math.min(max, Math.round(Number(score) || 0)));
  return h(
    "span",
    { class: "stars", role: "img", "aria-label": `${filled} / ${max}` },
    Array.from({ length: max }, (_, index) => icon("star", { className: index < filled ? "" : "off" })),
  );
}

function ratings(packet) {
  const list = packet.ratings ?? [];
  if (!list.length) return empty(t("context.noRatings"));
  return list.map((rating) => {
    const outOf = SCORE_SCALES[rating.scale];
    return h(
      "div",
      { class: "card-row" },
      h(
        "div",
        { class: "row-top" },
        outOf ? h("strong", {}, `${rating.score} / ${outOf}`) : stars(rating.score, 5),
        h("span", { class: "row-sub" }, tMaybe(`context.ratingScale.${rating.scale}`) ?? rating.scale ?? ""),
        h("span", { class: "row-sub" }, when(rating.at)),
      ),
      rating.comment ? h("div", { class: "text" }, rating.comment) : null,
      h("div", { class: "row-sub" }, [ratedFor(packet, rating), rating.channel ? t(`channel.${rating.channel}`) : null].filter(Boolean).join(" · ")),
    );
  });
}

/**
 * A slot's value: a word or a number as it is; a record or a list folded under a line of its first
 * plain fields («number: 2, topic: Аренда квартиры»), opened for the whole of it, so one cached
 * request card does not fill the panel with JSON.
 */
function slotValue(value) {
  if (typeof value !== "object") return String(value);
  const plain = Array.isArray(value)
    ? []
    : Object.entries(value).filter(([, field]) => field !== null && field !== "" && typeof field !== "object");
  const summary = Array.isArray(value)
    ? t("context.slotList", { n: value.length })
    : plain.slice(0, SLOT_SUMMARY_FIELDS).map(([name, field]) => `${name}: ${clip(String(field))}`).join(", ") || "{…}";
  return h("details", { class: "slot-record" }, h("summary", {}, summary), h("pre", {}, JSON.stringify(value, null, 2)));
}

function clip(text) {
  return text.length > SLOT_FIELD_CHARS ? `${text.slice(0, SLOT_FIELD_CHARS - 1)}…` : text;
}

/** What a score was given for, in words: «за ответ по обращению №2», never the record's id. */
function ratedFor(packet, rating) {
  const numbered = (list) => (list ?? []).find((item) => item.id === rating.subject_id)?.number;
  if (rating.subject === "request") {
    const number = numbered(packet.requests);
    return number != null ? t("context.ratedFor.request", { n: number }) : t("context.ratedFor.someRequest");
  }
  if (rating.subject === "refund") {
    const number = numbered(packet.refunds);
    return number != null ? t("context.ratedFor.refund", { n: number }) : t("context.ratedFor.someRefund");
  }
  if (rating.subject === "conversation" || rating.subject === "nps") return t("context.ratedFor.conversation");
  return null;
}

function broadcasts(packet) {
  const list = packet.broadcasts ?? [];
  if (!list.length) return empty(t("context.noBroadcasts"));
  return list.map((broadcast) =>
    h(
      "div",
      { class: "card-row" },
      h(
        "div",
        { class: "row-top" },
        broadcast.channel ? channelMark(broadcast.channel, { size: 16, label: t(`channel.${broadcast.channel}`) }) : null,
        h("span", { class: "row-title" }, broadcast.title ?? broadcast.name ?? ""),
        h("span", { class: "row-sub" }, when(broadcast.sent_at ?? broadcast.at)),
      ),
      broadcast.text ? h("div", { class: "text" }, broadcast.text) : null,
      broadcast.answer ? h("div", { class: "row-sub" }, t("context.broadcastAnswer", { answer: broadcast.answer })) : null,
    ),
  );
}
