// The reply box: Enter sends, Shift+Enter starts a new line, «/» opens canned replies (their variables
// filled by the server for this conversation), files attach by button, paste or drop; a note mode for
// private notes. Drafts survive switching conversations.

import { api } from "./api.js";
import { h, icon } from "./dom.js";
import { fileSize } from "./format.js";
import { t } from "./i18n.js";

const MAX_FILE_BYTES = 20 * 1024 * 1024;
const MAX_TEXT = 4000;
const ACCEPT = ".pdf,.jpg,.jpeg,.png,.ogg,.mp3,.wav,application/pdf,image/jpeg,image/png,audio/ogg,audio/mpeg,audio/wav";
const drafts = new Map();
let cannedCache = null;

function loadCanned() {
  if (!cannedCache) {
    cannedCache = api
      .canned()
      .then((answer) => (Array.isArray(answer.items) ? answer.items : []))
      .catch((error) => {
        cannedCache = null;
        throw error;
      });
  }
  return cannedCache;
}

export function createComposer({ conversationId, noteOnly = false, channelName, hint = null, onSend, onNote }) {
  let channel = channelName;
  let mode = noteOnly ? "note" : drafts.get(`${conversationId}:mode`) ?? "reply";
  let file = null;
  let busy = false;

  const textarea = h("textarea", {
    id: "composer-text",
    rows: "2",
    maxlength: String(MAX_TEXT),
    spellcheck: "true",
    "aria-describedby": "composer-error",
  });
  const fileInput = h("input", { type: "file", accept: ACCEPT, hidden: true, tabindex: "-1" });
  const files = h("div", { class: "composer-files" });
  const error = h("div", { class: "composer-error", id: "composer-error", role: "alert", hidden: true });
  const sendButton = h("button", { type: "submit", class: "btn btn-primary" });
  const attachButton = h(
    "button",
    { type: "button", class: "icon-btn", "aria-label": t("composer.attach"), title: t("composer.attach") },
    icon("attach"),
  );
  const cannedButton = h(
    "button",
    { type: "button", class: "icon-btn", "aria-label": t("composer.canned"), title: `${t("composer.canned")} (/)`, "aria-haspopup": "listbox", "aria-expanded": "false" },
    icon("bolt"),
  );

  const hintText = h("span");
  const hintBox = h("div", { class: "composer-hint", hidden: true }, icon("info"), hintText);
  function setHint(text) {
    hintBox.hidden = !text;
    hintText.textContent = text ?? "";
  }
  setHint(hint);

  const modeButtons = new Map();
  const modes = h("div", { class: "composer-modes", role: "radiogroup", "aria-label": t("composer.modes") });
  for (const [value, iconName] of [["reply", "send"], ["note", "lock"]]) {
    if (noteOnly && value === "reply") continue;
    const button = h(
      "button",
      { type: "button", class: "composer-mode", role: "radio", onclick: () => setMode(value) },
      icon(iconName, { size: 16 }),
      t(`composer.${value}`),
    );
    modeButtons.set(value, button);
    modes.append(button);
  }
  modes.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    event.preventDefault();
    const values = [...modeButtons.keys()];
    const next = values[(values.indexOf(mode) + 1) % values.length];
    setMode(next);
    modeButtons.get(next).focus();
  });

  const picker = createCannedPicker({
    onPick: (item) => insertCanned(item),
    onClose: () => cannedButton.setAttribute("aria-expanded", "false"),
  });

  const form = h(
    "form",
    { class: "composer", "aria-label": t("composer.label") },
    modes,
    hintBox,
    h("label", { class: "visually-hidden", for: "composer-text", id: "composer-label" }),
    textarea,
    files,
    error,
    h("div", { class: "composer-bar" }, attachButton, cannedButton, fileInput, sendButton),
  );
  const element = h("div", { class: "composer-host" }, picker.element, form);

  function draftKey() {
    return `${conversationId}:${mode}`;
  }

  function setMode(value) {
    drafts.set(draftKey(), textarea.value);
    mode = value;
    if (!noteOnly) drafts.set(`${conversationId}:mode`, value);
    textarea.value = drafts.get(draftKey()) ?? "";
    draw();
    textarea.focus();
  }

  function draw() {
    const note = mode === "note";
    form.classList.toggle("is-note", note);
    for (const [value, button] of modeButtons) {
      button.setAttribute("aria-checked", String(value === mode));
      button.tabIndex = value === mode ? 0 : -1;
    }
    textarea.placeholder = note ? t("composer.notePlaceholder") : t("composer.placeholder", { channel });
    form.querySelector("#composer-label")?.replaceChildren(note ? t("composer.noteLabel") : t("composer.label"));
    sendButton.replaceChildren(icon(note ? "lock" : "send", { size: 18 }), note ? t("composer.saveNote") : t("composer.send"));
    attachButton.hidden = note;
    cannedButton.hidden = note;
    drawFiles();
    autosize();
  }

  function drawFiles() {
    if (!file || mode === "note") {
      files.replaceChildren();
      return;
    }
    const remove = h(
      "button",
      { type: "button", class: "icon-btn", "aria-label": t("composer.removeFile", { name: file.name }), onclick: () => setFile(null) },
      icon("close"),
    );
    files.replaceChildren(h("span", { class: "file-chip" }, icon("file", { size: 16 }), `${file.name} · ${fileSize(file.size)}`, remove));
  }

  function showError(text) {
    error.textContent = text ?? "";
    error.hidden = !text;
  }

  function setFile(next) {
    showError(null);
    if (next && next.size > MAX_FILE_BYTES) {
      showError(t("composer.fileTooLarge", { name: next.name, limit: fileSize(MAX_FILE_BYTES) }));
      return;
    }
    file = next;
    drawFiles();
    textarea.focus();
  }

  function autosize() {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, 220)}px`;
  }

  async function submit() {
    if (busy) return;
    const text = textarea.value.trim();
    if (!text && !(file && mode === "reply")) {
      showError(t("composer.empty"));
      return;
    }
    showError(null);
    if (mode === "note") {
      busy = true;
      sendButton.disabled = true;
      try {
        await onNote(text);
        textarea.value = "";
        drafts.delete(draftKey());
      } catch (failure) {
        showError(failure.message);
      } finally {
        busy = false;
        sendButton.disabled = false;
        autosize();
      }
      return;
    }
    const sending = file;
    textarea.value = "";
    drafts.delete(draftKey());
    file = null;
    drawFiles();
    autosize();
    onSend(text, sending);
    textarea.focus();
  }

  // Canned replies: «/» at the start of a word opens the picker, filtered by what follows it.
  function slashQuery() {
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret);
    const match = /(^|\s)\/([^\s/]{0,40})$/.exec(before);
    return match ? { query: match[2], start: caret - match[2].length - 1, end: caret } : null;
  }

  async function insertCanned(item) {
    const slash = slashQuery();
    let text = item.text ?? "";
    try {
      const answer = await api.cannedPreview(conversationId, item.id);
      if (typeof answer.text === "string") text = answer.text;
    } catch {
      // The unfilled text is still useful: its {variables} are selected below for the person to fill.
    }
    const start = slash ? slash.start : textarea.selectionStart;
    const end = slash ? slash.end : textarea.selectionEnd;
    textarea.setRangeText(text, start, end, "end");
    autosize();
    textarea.focus();
    const variable = /\{[a-z_]+\}/.exec(text);
    if (variable) {
      const at = start + variable.index;
      textarea.setSelectionRange(at, at + variable[0].length);
      showError(t("composer.cannedFill", { names: [...new Set(text.match(/\{[a-z_]+\}/g))].join(", ") }));
    }
  }

  textarea.addEventListener("input", () => {
    autosize();
    drafts.set(draftKey(), textarea.value);
    if (!error.hidden && textarea.value.trim()) showError(null);
    if (mode !== "reply") return;
    const slash = slashQuery();
    if (slash) {
      picker.open(slash.query);
      cannedButton.setAttribute("aria-expanded", "true");
    } else if (picker.isOpen() && picker.openedBySlash) picker.close();
  });
  textarea.addEventListener("keydown", (event) => {
    if (picker.isOpen() && picker.handleKey(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(() => {
    if (!element.contains(document.activeElement)) picker.close();
  }, 150));
  textarea.addEventListener("paste", (event) => {
    const pasted = [...(event.clipboardData?.files ?? [])];
    if (pasted.length && mode === "reply") {
      event.preventDefault();
      setFile(pasted[0]);
    }
  });
  form.addEventListener("dragover", (event) => {
    if (mode === "reply" && event.dataTransfer?.types?.includes("Files")) event.preventDefault();
  });
  form.addEventListener("drop", (event) => {
    const dropped = event.dataTransfer?.files?.[0];
    if (dropped && mode === "reply") {
      event.preventDefault();
      setFile(dropped);
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  attachButton.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    setFile(fileInput.files?.[0] ?? null);
    fileInput.value = "";
  });
  cannedButton.addEventListener("click", () => {
    if (picker.isOpen()) {
      picker.close();
      return;
    }
    picker.open("", { bySlash: false });
    cannedButton.setAttribute("aria-expanded", "true");
    textarea.focus();
  });

  textarea.value = drafts.get(draftKey()) ?? "";
  draw();

  return {
    element,
    focus() {
      textarea.focus();
    },
    /** The client wrote from another channel, or the WhatsApp window closed: the box says so. */
    update({ channelName: nextChannel, hint: nextHint }) {
      channel = nextChannel;
      setHint(nextHint);
      draw();
    },
  };
}

/** The list of canned replies above the reply box; the text box keeps focus (aria-activedescendant). */
function createCannedPicker({ onPick, onClose }) {
  let items = [];
  let shown = [];
  let active = 0;
  let query = "";
  let openState = false;
  const list = h("ul", { role: "listbox", id: "canned-list", "aria-label": t("composer.cannedTitle") });
  const element = h(
    "div",
    { class: "canned", hidden: true },
    h("div", { class: "canned-head" }, h("strong", {}, t("composer.cannedTitle")), h("span", {}, t("composer.cannedHint"))),
    list,
  );
  const picker = {
    element,
    openedBySlash: false,
    isOpen: () => openState,
    async open(nextQuery, { bySlash = true } = {}) {
      query = nextQuery.toLowerCase();
      picker.openedBySlash = bySlash;
      openState = true;
      element.hidden = false;
      const textarea = document.getElementById("composer-text");
      textarea?.setAttribute("aria-controls", "canned-list");
      textarea?.setAttribute("aria-expanded", "true");
      try {
        items = await loadCanned();
      } catch (error) {
        list.replaceChildren(h("li", { class: "empty" }, error.message));
        return;
      }
      if (openState) draw();
    },
    close() {
      if (!openState) return;
      openState = false;
      element.hidden = true;
      const textarea = document.getElementById("composer-text");
      textarea?.setAttribute("aria-expanded", "false");
      textarea?.removeAttribute("aria-activedescendant");
      onClose();
    },
    handleKey(event) {
      if (event.key === "Escape") {
        event.preventDefault();
        picker.close();
        return true;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (shown.length) active = (active + (event.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
        draw();
        return true;
      }
      if ((event.key === "Enter" || event.key === "Tab") && shown.length) {
        event.preventDefault();
        const item = shown[active];
        picker.close();
        onPick(item);
        return true;
      }
      return false;
    },
  };

  function draw() {
    shown = items.filter(
      (item) => !query || String(item.title ?? "").toLowerCase().includes(query) || String(item.text ?? "").toLowerCase().includes(query),
    );
    if (active >= shown.length) active = 0;
    if (!shown.length) {
      list.replaceChildren(h("li", { class: "empty" }, items.length ? t("composer.cannedEmpty", { q: query }) : t("composer.cannedNone")));
      return;
    }
    list.replaceChildren(
      ...shown.map((item, index) =>
        h(
          "li",
          {
            role: "option",
            id: `canned-${index}`,
            "aria-selected": String(index === active),
            onmousedown: (event) => {
              event.preventDefault();
              picker.close();
              onPick(item);
            },
          },
          h("strong", {}, item.title ?? ""),
          h("span", {}, item.text ?? ""),
        ),
      ),
    );
    document.getElementById("composer-text")?.setAttribute("aria-activedescendant", `canned-${active}`);
    list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
  }

  return picker;
}
