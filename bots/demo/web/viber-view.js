// Viber's look of a bot message, and its keyboard: a 6-column grid of buttons below the chat.

import {
  contactBlock, element, fileBlock, fileNameFromUrl, formatSize, icon, isWebUrl, locationBlock,
} from "./chat-view.js";

const GRID_COLUMNS = 6;
const MAX_ROWS = 2;
const COLOR = /^#[0-9a-f]{6}$/i;
const AUDIO_NAME = /\.(ogg|oga|opus|mp3|m4a|aac|wav)$/i;

/** Viber renders a few HTML tags in button texts (<b>, <font>); the simulator shows the plain text. */
function plain(text) {
  return String(text ?? "").replace(/<[^>]*>/g, "");
}

function span(value, limit) {
  const number = Number(value);
  return Number.isInteger(number) && number >= 1 ? Math.min(number, limit) : limit;
}

function openLink(url, label) {
  const link = element("a", "file-open", label);
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

function content(body) {
  const nodes = [];
  let text = typeof body.text === "string" ? body.text : null;
  if (body.type === "picture" && isWebUrl(body.media)) {
    const image = element("img", "photo");
    image.src = body.media;
    image.alt = "Изображение";
    image.loading = "lazy";
    nodes.push(image);
  } else if (body.type === "file" || body.type === "video") {
    const name = body.file_name || (isWebUrl(body.media) && fileNameFromUrl(body.media)) || "Файл";
    const iconId = body.type === "video" ? "icon-play" : "icon-document";
    const audio = body.type === "file" && AUDIO_NAME.test(name);
    const label = audio ? "Аудиозапись" : body.type === "video" ? "Видео" : "Файл";
    nodes.push(fileBlock(audio ? "icon-play" : iconId, name, formatSize(body.size) || label));
    if (audio && isWebUrl(body.media)) {
      // Viber's own apps play an audio file message in their built-in player; so does the simulator.
      const player = element("audio", "player");
      player.controls = true;
      player.preload = "none";
      player.src = body.media;
      nodes.push(player);
    } else if (isWebUrl(body.media)) {
      nodes.push(openLink(body.media, "Скачать"));
    }
  } else if (body.type === "url") {
    text = body.media ?? null;
  } else if (body.type === "location") {
    nodes.push(locationBlock(body.location?.lat, body.location?.lon));
  } else if (body.type === "contact") {
    nodes.push(contactBlock(body.contact?.name, body.contact?.phone_number));
  } else if (body.type === "sticker") {
    text = "Стикер";
  } else if (body.type === "rich_media") {
    text = "Карусель карточек";
  }
  return { nodes, text };
}

export function renderViberMessage(item, view) {
  const body = item.call.body ?? {};
  const row = element("div", "message message-bot");
  const bubble = element("div", "bubble");
  const { nodes, text } = content(body);
  bubble.append(...nodes);
  if (text) bubble.append(view.textBlock(text));
  bubble.classList.toggle("bubble-media", !text);
  bubble.append(view.meta(item.at, null));
  row.append(bubble);
  if (item.call.method === "welcome_message") row.classList.add("is-welcome");
  return row;
}

function action(button) {
  switch (button.ActionType ?? "reply") {
    case "share-phone":
      return { kind: "contact", actionBody: String(button.ActionBody ?? "") };
    case "location-picker":
      return { kind: "location" };
    case "open-url":
      return isWebUrl(button.ActionBody) ? { kind: "url", url: button.ActionBody } : null;
    case "reply":
      return { kind: "text", text: String(button.ActionBody ?? ""), silent: Boolean(button.Silent), label: plain(button.Text) };
    default:
      return null;
  }
}

/** A Viber keyboard: buttons span `Columns` of 6 grid columns and `Rows` rows. */
export function renderViberKeyboard(container, keyboard, onPress) {
  container.replaceChildren();
  const grid = element("div", "viber-grid");
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", "Клавиатура Viber");
  if (COLOR.test(keyboard.BgColor ?? "")) container.style.background = keyboard.BgColor;
  else container.style.removeProperty("background");
  for (const button of keyboard.Buttons) {
    const pressed = action(button);
    const node = element("button", "viber-button", plain(button.Text) || " ");
    node.type = "button";
    node.style.gridColumn = `span ${span(button.Columns, GRID_COLUMNS)}`;
    node.style.gridRow = `span ${span(button.Rows, MAX_ROWS)}`;
    if (COLOR.test(button.BgColor ?? "")) node.style.background = button.BgColor;
    if (pressed?.kind === "contact") {
      node.classList.add("is-share");
      node.prepend(icon("icon-phone", "reply-icon"));
    }
    if (pressed?.kind === "location") node.prepend(icon("icon-location", "reply-icon"));
    if (pressed) node.addEventListener("click", () => onPress(pressed));
    else node.disabled = true;
    grid.append(node);
  }
  container.append(grid);
}
