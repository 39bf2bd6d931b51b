// Short messages in the corner: what just happened, or why it did not.

import { h, icon } from "./dom.js";

const ICONS = { info: "info", ok: "done", error: "error" };

export function toast(text, { kind = "info", timeout = 5000 } = {}) {
  const host = document.getElementById("toasts");
  if (!host) return;
  const element = h("div", { class: `toast is-${kind}`, role: kind === "error" ? "alert" : null }, icon(ICONS[kind] ?? "info"), h("div", { text }));
  host.append(element);
  while (host.children.length > 4) host.firstElementChild.remove();
  setTimeout(() => element.remove(), timeout);
}
