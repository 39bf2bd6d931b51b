// The presence switch: online (new conversations come to me), away (I keep mine), offline (mine go back).

import { api } from "./api.js";
import { h, icon } from "./dom.js";
import { t } from "./i18n.js";
import { toast } from "./toast.js";

const STATUSES = ["online", "away", "offline"];

export function createPresence({ person, onChange }) {
  let status = STATUSES.includes(person?.status) ? person.status : "offline";
  let busy = false;

  const button = h("button", {
    type: "button",
    class: "presence-btn",
    "aria-haspopup": "menu",
    "aria-expanded": "false",
  });
  const menu = h("div", { class: "menu", role: "menu", hidden: true, "aria-label": t("presence.label") });
  const element = h("div", { class: "presence" }, button, menu);

  function draw() {
    button.replaceChildren(h("span", { class: `dot dot-${status}` }), t(`presence.${status}`), icon("expand"));
    button.setAttribute("aria-label", `${t("presence.label")}: ${t(`presence.${status}`)}`);
    menu.replaceChildren(
      ...STATUSES.map((value) =>
        h(
          "button",
          {
            type: "button",
            class: "menu-item",
            role: "menuitemradio",
            "aria-checked": String(value === status),
            onclick: () => {
              close();
              set(value);
              button.focus();
            },
          },
          h("span", { class: `dot dot-${value}` }),
          h("span", { class: "menu-text" }, h("span", {}, t(`presence.${value}`)), h("small", {}, t(`presence.${value}Hint`))),
        ),
      ),
    );
  }

  function open() {
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    (menu.querySelector('[aria-checked="true"]') ?? menu.querySelector("button"))?.focus();
  }

  function close() {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
  }

  button.addEventListener("click", () => (menu.hidden ? open() : close()));
  menu.addEventListener("keydown", (event) => {
    const items = [...menu.querySelectorAll("button")];
    const index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      close();
      button.focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    }
  });
  const outside = (event) => {
    if (!element.contains(event.target)) close();
  };
  document.addEventListener("click", outside);

  async function set(value) {
    if (busy || value === status) return;
    busy = true;
    const before = status;
    status = value;
    draw();
    try {
      const answer = await api.setStatus(value);
      const person = answer?.person ?? { status: value };
      status = STATUSES.includes(person.status) ? person.status : value;
      draw();
      onChange({ ...person, status });
    } catch (error) {
      status = before;
      draw();
      if (error.status !== 401) toast(error.status === 0 ? t("presence.failed") : error.message, { kind: "error" });
    } finally {
      busy = false;
    }
  }

  draw();
  return {
    element,
    set,
    destroy() {
      document.removeEventListener("click", outside);
    },
    update(next) {
      if (next && STATUSES.includes(next.status)) {
        status = next.status;
        draw();
      }
    },
  };
}
