// WhatsApp's look of a bot message: reply buttons under the bubble, or a list opened in a bottom sheet.

import {
  contactBlock, element, fileBlock, fileNameFromUrl, icon, isWebUrl, locationBlock,
} from "./chat-view.js";

function openLink(url, label) {
  const link = element("a", "file-open", label);
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

/** Media the bot uploaded goes by id; the user's phone downloads it, and so does the simulator. */
function mediaUrl(media) {
  if (isWebUrl(media?.link)) return media.link;
  if (typeof media?.id === "string" && /^[A-Za-z0-9_-]+$/.test(media.id)) {
    return `/fake/whatsapp/user_media/${media.id}`;
  }
  return null;
}

function mediaNodes(kind, media) {
  const url = mediaUrl(media);
  if (kind === "image" && url) {
    const image = element("img", "photo");
    image.src = url;
    image.alt = "Изображение";
    image.loading = "lazy";
    return [image];
  }
  const labels = { image: "Изображение", document: "Документ", audio: "Аудио", video: "Видео", sticker: "Стикер" };
  const name = media?.filename || (url && fileNameFromUrl(url)) || labels[kind] || "Файл";
  const iconId = kind === "document" ? "icon-document" : kind === "image" || kind === "sticker" ? "icon-image" : "icon-play";
  const nodes = [fileBlock(iconId, name, labels[kind] ?? "")];
  if (url && kind === "audio") {
    const player = element("audio", "player");
    player.controls = true;
    player.preload = "none";
    player.src = url;
    nodes.push(player);
  } else if (url) {
    nodes.push(openLink(url, "Открыть"));
  }
  return nodes;
}

function templateText(template) {
  const values = (template.components ?? [])
    .flatMap((component) => component.parameters ?? [])
    .map((parameter) => parameter.text)
    .filter((value) => typeof value === "string" && value);
  return [`Шаблон «${template.name ?? "?"}»`, ...values].join("\n");
}

/** What goes inside the bubble: media, header, body text and footer. */
function bubbleContent(body) {
  const kind = body.type;
  const part = body[kind] ?? {};
  if (kind === "text") return { nodes: [], text: part.body ?? "" };
  if (kind === "interactive") {
    const nodes = [];
    const header = part.header;
    if (header?.type === "text" && header.text) nodes.push(element("div", "wa-header", header.text));
    else if (header && header[header.type]) nodes.push(...mediaNodes(header.type, header[header.type]));
    return { nodes, text: part.body?.text ?? "", footer: part.footer?.text ?? null };
  }
  if (kind === "template") return { nodes: [], text: templateText(part) };
  if (kind === "location") return { nodes: [locationBlock(part.latitude, part.longitude)], text: part.name ?? null };
  if (kind === "contacts") {
    const contact = part[0] ?? {};
    return { nodes: [contactBlock(contact.name?.formatted_name, contact.phones?.[0]?.phone)], text: null };
  }
  if (["image", "document", "audio", "video", "sticker"].includes(kind)) {
    return { nodes: mediaNodes(kind, part), text: part.caption ?? null };
  }
  return { nodes: [], text: `Сообщение типа «${kind}»` };
}

function replyButtons(item, buttons, view) {
  const bar = element("div", "wa-actions");
  for (const button of buttons) {
    const reply = button?.reply ?? {};
    const node = element("button", "wa-action", reply.title ?? "");
    node.type = "button";
    node.prepend(icon("icon-reply", "wa-action-icon"));
    node.addEventListener("click", () =>
      view.onInlineButton(item, { kind: "button_reply", id: reply.id, title: reply.title }, node),
    );
    bar.append(node);
  }
  return bar;
}

function listOpener(item, action, view) {
  const bar = element("div", "wa-actions");
  const node = element("button", "wa-action", action.button ?? "Выбрать");
  node.type = "button";
  node.prepend(icon("icon-list", "wa-action-icon"));
  node.addEventListener("click", () => openSheet(item, action, view, node));
  bar.append(node);
  return bar;
}

/** The sheet WhatsApp slides up for a list message: pick one row, then send it. */
function openSheet(item, action, view, opener) {
  const phone = view.container.closest(".phone") ?? document.body;
  const backdrop = element("div", "wa-sheet-backdrop");
  const sheet = element("div", "wa-sheet");
  sheet.setAttribute("role", "dialog");
  sheet.setAttribute("aria-modal", "true");
  sheet.setAttribute("aria-label", action.button ?? "Список");
  const close = () => {
    backdrop.remove();
    opener.focus();
  };
  const head = element("div", "wa-sheet-head");
  const closeButton = element("button", "wa-sheet-close", "×");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "Закрыть");
  closeButton.addEventListener("click", close);
  head.append(closeButton, element("div", "wa-sheet-title", action.button ?? "Список"));
  const list = element("div", "wa-sheet-rows");
  const send = element("button", "wa-sheet-send", "Отправить");
  send.type = "button";
  send.disabled = true;
  let chosen = null;
  for (const [index, section] of (action.sections ?? []).entries()) {
    if (section.title) list.append(element("div", "wa-sheet-section", section.title));
    for (const row of section.rows ?? []) {
      const label = element("label", "wa-row");
      const text = element("span", "wa-row-text");
      text.append(element("span", "wa-row-title", row.title ?? ""));
      if (row.description) text.append(element("span", "wa-row-description", row.description));
      const radio = element("input", "wa-row-radio");
      radio.type = "radio";
      radio.name = `wa-list-${item.key}-${index}`;
      radio.addEventListener("change", () => {
        for (const other of list.querySelectorAll("input")) if (other !== radio) other.checked = false;
        chosen = { kind: "list_reply", id: row.id, title: row.title, description: row.description };
        send.disabled = false;
      });
      label.append(text, radio);
      list.append(label);
    }
  }
  send.addEventListener("click", () => {
    if (!chosen) return;
    close();
    view.onInlineButton(item, chosen, opener);
  });
  sheet.append(head, list, send);
  backdrop.append(sheet);
  backdrop.addEventListener("click", (event) => {
    if (event.target === backdrop) close();
  });
  backdrop.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  phone.append(backdrop);
  closeButton.focus();
}

export function renderWhatsAppMessage(item, view) {
  const body = item.call.body ?? {};
  const row = element("div", "message message-bot");
  const bubble = element("div", "bubble");
  const { nodes, text, footer } = bubbleContent(body);
  bubble.append(...nodes);
  if (text) bubble.append(view.textBlock(text));
  if (footer) bubble.append(element("div", "wa-footer", footer));
  bubble.classList.toggle("bubble-media", !text && !footer);
  bubble.append(view.meta(item.at, null));
  row.append(bubble);
  const interactive = body.type === "interactive" ? body.interactive ?? {} : null;
  if (interactive?.type === "button" && Array.isArray(interactive.action?.buttons)) {
    row.classList.add("has-actions");
    row.append(replyButtons(item, interactive.action.buttons, view));
  } else if (interactive?.type === "list" && interactive.action) {
    row.classList.add("has-actions");
    row.append(listOpener(item, interactive.action, view));
  } else if (interactive?.type === "cta_url" && isWebUrl(interactive.action?.parameters?.url)) {
    row.classList.add("has-actions");
    const bar = element("div", "wa-actions");
    const link = openLink(interactive.action.parameters.url, interactive.action.parameters.display_text ?? "Открыть");
    link.className = "wa-action";
    bar.append(link);
    row.append(bar);
  }
  return row;
}
