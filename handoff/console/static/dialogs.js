// Transfer and close: modal dialogs (native <dialog>, so focus stays inside and Esc cancels).

import { api } from "./api.js";
import { h, icon } from "./dom.js";
import { duration } from "./format.js";
import { t } from "./i18n.js";

const CLOSE_REASONS = ["resolved", "request_created", "no_reply", "not_our_topic", "spam"];
const MAX_REASON = 200;

function modal({ title, body, submitLabel, submitClass = "btn-primary", onSubmit }) {
  return new Promise((resolve) => {
    const error = h("div", { class: "form-error-inline", role: "alert", hidden: true });
    const submit = h("button", { type: "submit", class: `btn ${submitClass}` }, submitLabel);
    const cancel = h("button", { type: "button", class: "btn btn-ghost" }, t("transfer.cancel"));
    const titleId = `modal-title-${Date.now()}`;
    const form = h(
      "form",
      { method: "dialog" },
      h(
        "div",
        { class: "modal-head" },
        h("h2", { id: titleId }, title),
        h("button", { type: "button", class: "icon-btn", "aria-label": t("transfer.cancel"), onclick: () => finish(false) }, icon("close")),
      ),
      h("div", { class: "modal-body" }, body, error),
      h("div", { class: "modal-foot" }, cancel, submit),
    );
    const dialog = h("dialog", { class: "modal", "aria-labelledby": titleId }, form);
    let settled = false;

    function finish(result) {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(result);
    }

    cancel.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      try {
        await onSubmit();
        finish(true);
      } catch (failure) {
        submit.disabled = false;
        error.textContent = failure.message;
        error.hidden = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    (dialog.querySelector("input:checked") ?? dialog.querySelector("input, textarea, select"))?.focus();
  });
}

function radioCard(name, value, { checked = false, disabled = false, title, sub, lead = null }) {
  return h(
    "label",
    { class: "radio-card" },
    h("input", { type: "radio", name, value, checked, disabled }),
    lead,
    h("span", { class: "grow" }, h("span", {}, title), sub ? h("small", {}, sub) : null),
  );
}

export async function transferDialog({ conversation, me, canSupervise }) {
  const [queues, people] = await Promise.all([
    api.queues().then((answer) => answer.items ?? []).catch(() => []),
    canSupervise ? api.people().then((answer) => answer.items ?? []).catch(() => null) : Promise.resolve(null),
  ]);
  const queueItems = queues.some((queue) => queue.name === conversation.queue)
    ? queues
    : [{ name: conversation.queue, title: conversation.queue, waiting: null }, ...queues];
  const others = (people ?? []).filter((person) => person.login !== me.login && person.login !== conversation.assignee?.login);
  let target = "queue";

  const queueList = h(
    "div",
    { class: "radio-cards", role: "radiogroup", "aria-label": t("transfer.queue") },
    queueItems.map((queue, index) =>
      radioCard("transfer-queue", queue.name, {
        checked: index === 0,
        title: queue.title && queue.title !== queue.name ? `${queue.title} · ${queue.name}` : queue.name,
        sub: [
          queue.waiting != null ? t("transfer.waiting", { n: queue.waiting }) : null,
          queue.longest_wait_s ? `${t("supervisor.longest").toLowerCase()}: ${duration(queue.longest_wait_s)}` : null,
          queue.people_online != null ? `${t("supervisor.online").toLowerCase()}: ${queue.people_online}` : null,
        ]
          .filter(Boolean)
          .join(" · "),
      }),
    ),
  );
  const personList = h(
    "div",
    { class: "radio-cards", role: "radiogroup", "aria-label": t("transfer.person"), hidden: true },
    others.length
      ? others.map((person, index) =>
          radioCard("transfer-person", person.login, {
            checked: index === 0,
            disabled: person.status === "offline",
            title: person.name ?? person.login,
            lead: h("span", { class: `dot dot-${person.status ?? "offline"}`, "aria-hidden": "true" }),
            sub: [
              t(`roles.${person.role}`),
              t(`presence.${person.status ?? "offline"}`),
              person.load != null ? t("transfer.load", { load: person.load, max: person.max_chats ?? "—" }) : null,
            ]
              .filter(Boolean)
              .join(" · "),
          }),
        )
      : h("p", { class: "section-empty" }, t("transfer.noPeople")),
  );
  const note = h("textarea", {
    class: "textarea",
    id: "transfer-note",
    maxlength: "1000",
    placeholder: t("transfer.notePlaceholder"),
  });

  const segments = h("div", { class: "segmented", role: "radiogroup", "aria-label": t("transfer.to") });
  const segmentButtons = [];
  for (const [value, label] of [["queue", t("transfer.toQueue")], ["person", t("transfer.toPerson")]]) {
    if (value === "person" && people === null) continue;
    const button = h("button", { type: "button", role: "radio", "aria-checked": String(value === target) }, label);
    button.addEventListener("click", () => {
      target = value;
      for (const other of segmentButtons) other.setAttribute("aria-checked", String(other === button));
      queueList.hidden = value !== "queue";
      personList.hidden = value !== "person";
    });
    segmentButtons.push(button);
    segments.append(button);
  }

  return modal({
    title: t("transfer.title"),
    submitLabel: t("transfer.submit"),
    body: [
      segmentButtons.length > 1 ? h("div", { class: "field" }, h("span", { class: "field-label" }, t("transfer.to")), segments) : null,
      queueList,
      personList,
      h("div", { class: "field" }, h("label", { class: "field-label", for: "transfer-note" }, t("transfer.note")), note),
    ],
    async onSubmit() {
      const name = target === "queue" ? "transfer-queue" : "transfer-person";
      const chosen = document.querySelector(`input[name="${name}"]:checked`)?.value;
      if (!chosen) throw new Error(t("transfer.noTarget"));
      const body = target === "queue" ? { queue: chosen } : { person: chosen };
      const text = note.value.trim();
      if (text) body.note = text;
      await api.transfer(conversation.id, body);
    },
  });
}

export function closeDialog({ conversation }) {
  const comment = h("textarea", {
    class: "textarea",
    id: "close-comment",
    maxlength: "150",
    placeholder: t("close.commentPlaceholder"),
  });
  const reasons = h(
    "fieldset",
    { class: "radio-cards plain-fieldset" },
    h("legend", { class: "field-label" }, t("close.reason")),
    CLOSE_REASONS.map((reason, index) => radioCard("close-reason", reason, { checked: index === 0, title: t(`close.reasons.${reason}`) })),
  );
  return modal({
    title: t("close.title"),
    submitLabel: t("close.submit"),
    submitClass: "btn-success",
    body: [
      reasons,
      h("div", { class: "field" }, h("label", { class: "field-label", for: "close-comment" }, t("close.comment")), comment),
      h("p", { class: "modal-note" }, icon("star"), t("close.hint")),
    ],
    async onSubmit() {
      const reason = document.querySelector('input[name="close-reason"]:checked')?.value ?? CLOSE_REASONS[0];
      const extra = comment.value.trim();
      const text = extra ? `${t(`close.reasons.${reason}`)}: ${extra}` : t(`close.reasons.${reason}`);
      await api.close(conversation.id, text.slice(0, MAX_REASON));
    },
  });
}
