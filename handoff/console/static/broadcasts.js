// Broadcasts, for supervisors: compose a message (text, buttons, a WhatsApp template), choose the audience
// with a live count of who would get it, send now or at a set time, and watch, pause, resume or cancel it.

import { api } from "./api.js";
import { channelMark, h, icon } from "./dom.js";
import { percent, when } from "./format.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

const CHANNELS = ["telegram", "viber", "whatsapp"];
const ACTIONS = ["answer", "menu", "unsubscribe"];
const POLL_MS = 3_000;
const PREVIEW_DELAY_MS = 300;
const MAX_BUTTONS = 3;
const MAX_TEXT = 1000;
const STEERING = {
  draft: ["send", "cancel"],
  scheduled: ["pause", "cancel"],
  sending: ["pause", "cancel"],
  paused: ["resume", "cancel"],
};

export function createBroadcasts() {
  let destroyed = false;
  let pollTimer = null;
  let previewTimer = null;
  let previewSeq = 0;
  let items = [];
  const buttons = [];

  // ---- the composer
  const title = h("input", { class: "input", id: "bc-title", maxlength: "200", required: true, placeholder: t("broadcasts.titlePlaceholder") });
  const text = h("textarea", { class: "textarea", id: "bc-text", rows: "5", maxlength: String(MAX_TEXT), required: true, placeholder: t("broadcasts.textPlaceholder") });
  const textCount = h("span", { class: "field-hint counter" });
  const buttonsBox = h("div", { class: "bc-buttons" });
  const addButton = h("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => addButtonRow() }, t("broadcasts.addButton"));
  const template = h("input", { class: "input", id: "bc-template", maxlength: "64", placeholder: "answer_ready" });
  const templateParams = h("input", { class: "input", id: "bc-template-params", placeholder: t("broadcasts.templateParamsPlaceholder") });
  const channelBoxes = CHANNELS.map((channel) =>
    h("input", { type: "checkbox", value: channel, checked: true, onchange: schedulePreview }),
  );
  const openRequest = select("bc-open", [["", t("broadcasts.any")], ["yes", t("broadcasts.withOpen")], ["no", t("broadcasts.withoutOpen")]]);
  const lastContact = h("input", { class: "input", id: "bc-days", type: "number", min: "1", max: "3650", placeholder: t("broadcasts.anyTime"), oninput: schedulePreview });
  const language = select("bc-locale", [["", t("broadcasts.anyLanguage")], ["ru", "Русский"], ["en", "English"]]);
  const quiet = h("input", { class: "input", id: "bc-quiet", type: "number", min: "0", max: "365", value: "30", oninput: schedulePreview });
  const when_ = select("bc-when", [["now", t("broadcasts.sendNow")], ["later", t("broadcasts.sendLater")]]);
  const sendAt = h("input", { class: "input", id: "bc-send-at", type: "datetime-local", hidden: true });
  const audienceTotal = h("strong", { class: "audience-total" }, "…");
  const audienceChannels = h("div", { class: "audience-channels" });
  const audienceExcluded = h("p", { class: "field-hint" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, icon("send", { size: 18 }), t("broadcasts.submit"));
  const formError = h("div", { class: "chat-banner is-danger", role: "alert", hidden: true });
  const phone = h("div", { class: "bc-phone", "aria-label": t("broadcasts.previewLabel") });

  when_.addEventListener("change", () => {
    sendAt.hidden = when_.value !== "later";
  });
  for (const input of [openRequest, language]) input.addEventListener("change", schedulePreview);
  for (const input of [title, text, template]) input.addEventListener("input", drawPhone);
  text.addEventListener("input", () => {
    textCount.textContent = `${text.value.length} / ${MAX_TEXT}`;
  });
  textCount.textContent = `0 / ${MAX_TEXT}`;

  const form = h(
    "form",
    { class: "bc-form", novalidate: true, onsubmit: onSubmit },
    field(t("broadcasts.title"), title, t("broadcasts.titleHint")),
    field(t("broadcasts.text"), text, null, textCount),
    h("fieldset", { class: "field" }, h("legend", { class: "field-label" }, t("broadcasts.buttons")), buttonsBox, h("div", {}, addButton)),
    h(
      "details",
      { class: "bc-more" },
      h("summary", {}, t("broadcasts.whatsappTemplate")),
      h("p", { class: "field-hint" }, t("broadcasts.templateHint")),
      h("div", { class: "bc-row" }, field(t("broadcasts.templateKey"), template), field(t("broadcasts.templateParams"), templateParams)),
    ),
    h(
      "fieldset",
      { class: "field bc-audience" },
      h("legend", { class: "field-label" }, t("broadcasts.audience")),
      h(
        "div",
        { class: "bc-channels" },
        CHANNELS.map((channel, index) =>
          h("label", { class: "bc-check" }, channelBoxes[index], channelMark(channel, { size: 18 }), t(`channel.${channel}`)),
        ),
      ),
      h(
        "div",
        { class: "bc-row" },
        field(t("broadcasts.openRequest"), openRequest),
        field(t("broadcasts.lastContact"), lastContact),
      ),
      h("div", { class: "bc-row" }, field(t("broadcasts.language"), language), field(t("broadcasts.quiet"), quiet, t("broadcasts.quietHint"))),
      h(
        "div",
        { class: "audience-card", role: "status", "aria-live": "polite" },
        h("div", { class: "audience-head" }, icon("person", { size: 18 }), h("span", {}, t("broadcasts.willGet")), audienceTotal),
        audienceChannels,
        audienceExcluded,
      ),
    ),
    h("div", { class: "bc-row" }, field(t("broadcasts.when"), when_), h("div", { class: "field" }, h("span", { class: "field-label" }, "\u00a0"), sendAt)),
    formError,
    h("div", { class: "bc-actions" }, submit),
  );

  const list = h("div", { class: "bc-list" });
  const element = h(
    "div",
    { class: "supervisor broadcasts" },
    h(
      "div",
      { class: "supervisor-inner" },
      h("header", { class: "supervisor-head" }, h("div", {}, h("h1", {}, t("broadcasts.pageTitle")), h("p", {}, t("broadcasts.pageSubtitle")))),
      h(
        "div",
        { class: "bc-grid" },
        h(
          "section",
          { class: "panel", "aria-labelledby": "bc-new" },
          h("div", { class: "panel-head" }, h("h2", { id: "bc-new" }, t("broadcasts.new")), h("p", {}, t("broadcasts.newHint"))),
          h("div", { class: "panel-body bc-compose" }, form, h("div", { class: "bc-preview" }, h("span", { class: "field-label" }, t("broadcasts.previewLabel")), phone)),
        ),
        h(
          "section",
          { class: "panel", "aria-labelledby": "bc-sent" },
          h("div", { class: "panel-head" }, h("h2", { id: "bc-sent" }, t("broadcasts.list")), h("p", {}, t("broadcasts.listHint"))),
          h("div", { class: "panel-body" }, list),
        ),
      ),
    ),
  );

  addDefaultButtons();
  drawPhone();
  schedulePreview();
  refresh();

  // ---- pieces

  function select(id, options) {
    return h("select", { class: "select", id }, options.map(([value, label]) => h("option", { value }, label)));
  }

  function field(label, control, hint = null, extra = null) {
    return h(
      "div",
      { class: "field" },
      h("label", { class: "field-label", for: control.id || null }, label),
      control,
      hint || extra ? h("div", { class: "field-foot" }, hint ? h("span", { class: "field-hint" }, hint) : null, extra) : null,
    );
  }

  function addDefaultButtons() {
    addButtonRow(t("broadcasts.defaultYes"), "answer");
    addButtonRow(t("broadcasts.defaultUnsubscribe"), "unsubscribe");
  }

  /** A clean composer with the defaults it opened with (form.reset() alone would clear them). */
  function startOver() {
    form.reset();
    for (const box of channelBoxes) box.checked = true;
    quiet.value = "30";
    for (const entry of buttons.splice(0)) entry.row.remove();
    addDefaultButtons();
    textCount.textContent = `0 / ${MAX_TEXT}`;
    sendAt.hidden = true;
    drawPhone();
    schedulePreview();
  }

  function addButtonRow(initial = "", action = "answer") {
    if (buttons.length >= MAX_BUTTONS) return;
    const input = h("input", { class: "input", maxlength: "20", value: initial, placeholder: t("broadcasts.buttonTitle"), "aria-label": t("broadcasts.buttonTitle"), oninput: drawPhone });
    const kind = select(null, ACTIONS.map((name) => [name, t(`broadcasts.action.${name}`)]));
    kind.value = action;
    kind.setAttribute("aria-label", t("broadcasts.buttonAction"));
    const row = h("div", { class: "bc-button-row" }, input, kind);
    const entry = { input, kind, row };
    const remove = h("button", { type: "button", class: "btn btn-ghost btn-icon", "aria-label": t("broadcasts.removeButton"), onclick: () => {
      buttons.splice(buttons.indexOf(entry), 1);
      row.remove();
      addButton.hidden = false;
      drawPhone();
    } }, icon("close", { size: 16 }));
    row.append(remove);
    buttons.push(entry);
    buttonsBox.append(row);
    addButton.hidden = buttons.length >= MAX_BUTTONS;
    drawPhone();
  }

  function audience() {
    const chosen = channelBoxes.filter((box) => box.checked).map((box) => box.value);
    const body = { channels: chosen.length === CHANNELS.length ? [] : chosen, quiet_after_low_score_days: Number(quiet.value || 0) };
    if (openRequest.value) body.has_open_request = openRequest.value === "yes";
    if (lastContact.value) body.last_contact_days = Number(lastContact.value);
    if (language.value) body.locale = language.value;
    return body;
  }

  function drawPhone() {
    const shown = buttons.map((entry) => entry.input.value.trim()).filter(Boolean);
    phone.replaceChildren(
      h("div", { class: "bc-phone-top" }, h("span", { class: "bc-phone-avatar" }, "⚖"), h("strong", {}, t("broadcasts.botName"))),
      h(
        "div",
        { class: "bc-phone-chat" },
        h(
          "div",
          { class: "bc-bubble" },
          h("div", { class: "bc-bubble-text" }, text.value.trim() || t("broadcasts.textPlaceholder")),
          h("span", { class: "bc-bubble-time" }, "10:00"),
        ),
        shown.length ? h("div", { class: "bc-bubble-buttons" }, shown.map((label) => h("span", {}, label))) : null,
      ),
    );
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, PREVIEW_DELAY_MS);
  }

  async function preview() {
    const seq = ++previewSeq;
    try {
      const count = await api.broadcastPreview(audience());
      if (destroyed || seq !== previewSeq) return;
      audienceTotal.textContent = t("broadcasts.clients", { n: count.total });
      audienceTotal.classList.toggle("is-empty", count.total === 0);
      audienceChannels.replaceChildren(
        ...CHANNELS.filter((channel) => count.by_channel?.[channel]).map((channel) =>
          h("span", { class: "chip" }, channelMark(channel, { size: 14 }), `${t(`channel.${channel}`)} · ${count.by_channel[channel]}`),
        ),
      );
      const excluded = count.excluded ?? {};
      audienceExcluded.textContent = t("broadcasts.excluded", { optedOut: excluded.opted_out ?? 0, lowScore: excluded.low_score ?? 0 });
      submit.disabled = count.total === 0;
    } catch (error) {
      if (!destroyed && error.status !== 401) audienceTotal.textContent = "—";
    }
  }

  async function onSubmit(event) {
    event.preventDefault();
    formError.hidden = true;
    if (!title.value.trim() || !text.value.trim()) {
      showError(t("broadcasts.required"));
      return;
    }
    const body = {
      title: title.value.trim(),
      text: text.value.trim(),
      buttons: buttons
        .filter((entry) => entry.input.value.trim())
        .map((entry) => ({ title: entry.input.value.trim(), action: entry.kind.value })),
      audience: audience(),
    };
    if (template.value.trim()) {
      body.template_key = template.value.trim();
      body.template_params = templateParams.value.split(",").map((part) => part.trim()).filter(Boolean);
    }
    const at = when_.value === "later" && sendAt.value ? new Date(sendAt.value).toISOString() : null;
    submit.disabled = true;
    try {
      const created = await api.createBroadcast(body);
      await api.steerBroadcast(created.broadcast.id, "schedule", at ? { send_at: at } : {});
      toast(at ? t("broadcasts.scheduled") : t("broadcasts.started"), { kind: "ok" });
      startOver();
      await refresh();
    } catch (error) {
      showError(formErrorText(error));
    } finally {
      submit.disabled = false;
    }
  }

  function formErrorText(error) {
    if (error.code === "empty_audience") return t("broadcasts.empty");
    if (error.code === "unknown_template") return t("broadcasts.unknownTemplate", { key: template.value.trim() });
    return error.message;
  }

  function showError(message) {
    formError.replaceChildren(icon("error"), h("span", {}, message));
    formError.hidden = false;
  }

  // ---- the list

  async function refresh() {
    clearTimeout(pollTimer);
    try {
      const answer = await api.broadcasts();
      if (destroyed) return;
      items = answer.items ?? [];
      drawList();
    } catch (error) {
      if (destroyed || error.status === 401) return;
    }
    if (!destroyed) pollTimer = setTimeout(refresh, items.some((item) => item.status === "sending" || item.status === "scheduled") ? POLL_MS : POLL_MS * 5);
  }

  function drawList() {
    if (!items.length) {
      list.replaceChildren(h("div", { class: "empty-state" }, icon("broadcast", { size: 28 }), h("p", {}, t("broadcasts.none"))));
      return;
    }
    list.replaceChildren(...items.map(card));
  }

  function card(item) {
    const progress = item.progress ?? {};
    const total = progress.total || 0;
    const reached = (progress.sent ?? 0) + (progress.delivered ?? 0) + (progress.read ?? 0);
    const done = reached + (progress.failed ?? 0) + (progress.skipped ?? 0);
    const share = total ? done / total : 0;
    const channels = item.audience?.channels?.length ? item.audience.channels : CHANNELS;
    return h(
      "article",
      { class: "bc-card", "data-status": item.status },
      h(
        "div",
        { class: "bc-card-head" },
        h("div", { class: "bc-card-title" }, h("strong", {}, item.title), h("span", { class: "bc-card-sub" }, subtitle(item))),
        h("span", { class: `chip bc-status bc-status-${item.status}` }, t(`broadcasts.status.${item.status}`)),
      ),
      h("p", { class: "bc-card-text" }, item.text),
      h(
        "div",
        { class: "bc-card-meta" },
        h("span", { class: "bc-card-channels" }, channels.map((channel) => channelMark(channel, { size: 16, label: t(`channel.${channel}`) }))),
        item.buttons?.length ? h("span", { class: "bc-card-buttons" }, item.buttons.map((button) => h("span", { class: "chip" }, button.title))) : null,
      ),
      total
        ? h(
            "div",
            { class: "bc-progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": String(total), "aria-valuenow": String(done), "aria-label": t("broadcasts.progress") },
            h("span", { class: "bc-progress-fill", style: `width: ${Math.round(share * 100)}%` }),
          )
        : null,
      total
        ? h(
            "dl",
            { class: "bc-stats" },
            stat(t("broadcasts.stat.total"), total),
            stat(t("broadcasts.stat.sent"), reached),
            stat(t("broadcasts.stat.read"), progress.read ?? 0, reached ? percent((progress.read ?? 0) / reached) : null),
            stat(t("broadcasts.stat.answered"), progress.answered ?? 0, reached ? percent((progress.answered ?? 0) / reached) : null),
            stat(t("broadcasts.stat.failed"), progress.failed ?? 0, null, progress.failed ? "is-danger" : ""),
            stat(t("broadcasts.stat.pending"), (progress.pending ?? 0) + (progress.in_flight ?? 0)),
          )
        : null,
      steering(item),
    );
  }

  function subtitle(item) {
    if (item.status === "scheduled" && item.send_at) return t("broadcasts.sendsAt", { when: when(item.send_at) });
    if (item.finished_at) return t("broadcasts.finishedAt", { when: when(item.finished_at) });
    if (item.started_at) return t("broadcasts.startedAt", { when: when(item.started_at) });
    return t("broadcasts.createdAt", { when: when(item.created_at) });
  }

  function stat(label, value, sub = null, tone = "") {
    return h("div", { class: `bc-stat ${tone}` }, h("dt", {}, label), h("dd", {}, String(value), sub ? h("small", {}, sub) : null));
  }

  function steering(item) {
    const actions = STEERING[item.status] ?? [];
    if (!actions.length) return null;
    return h(
      "div",
      { class: "bc-card-actions" },
      actions.map((action) =>
        h(
          "button",
          {
            type: "button",
            class: action === "cancel" ? "btn btn-ghost btn-sm" : "btn btn-sm",
            onclick: async (event) => {
              if (action === "cancel" && !window.confirm(t("broadcasts.confirmCancel"))) return;
              event.currentTarget.disabled = true;
              try {
                await api.steerBroadcast(item.id, action === "send" ? "schedule" : action);
              } catch (error) {
                toast(error.code === "empty_audience" ? t("broadcasts.empty") : error.message, { kind: "error" });
              }
              await refresh();
            },
          },
          icon(action === "pause" ? "clock" : action === "cancel" ? "close" : "send", { size: 16 }),
          t(`broadcasts.do.${action}`),
        ),
      ),
    );
  }

  return {
    element,
    destroy() {
      destroyed = true;
      clearTimeout(pollTimer);
      clearTimeout(previewTimer);
    },
  };
}
