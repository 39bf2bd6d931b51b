// What a bot designer sees beside the chat: the flow graph of the bot being tried, and whether the
// last edit of its YAML loaded (live reload) or which errors keep the previous version answering.

const STATUS_POLL_MS = 1000;

const byId = (id) => document.getElementById(id);

/** `currentBot()` names the bot being tried; `showToast(text)` tells the person something briefly. */
export function startStudio({ currentBot, showToast }) {
  const ui = {
    open: byId("graph-open"),
    dialog: byId("graph-dialog"),
    canvas: byId("graph-canvas"),
    botLabel: byId("graph-bot"),
    mermaid: byId("graph-mermaid"),
    zoom: byId("graph-zoom"),
    errors: byId("reload-errors"),
    errorList: byId("reload-error-list"),
    status: byId("studio-status"),
  };
  const base = () => `/studio/bots/${encodeURIComponent(currentBot() ?? "")}`;

  async function showGraph() {
    ui.botLabel.textContent = currentBot() ?? "";
    ui.mermaid.href = `${base()}/graph?format=mermaid`;
    ui.canvas.textContent = "Загружаю схему…";
    if (!ui.dialog.open) ui.dialog.showModal();
    try {
      const response = await fetch(`${base()}/graph`, { cache: "no-store" });
      if (!response.ok) throw new Error(await response.text());
      const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
      const picture = parsed.documentElement;
      if (picture.nodeName !== "svg") throw new Error("not an SVG");
      ui.canvas.replaceChildren(document.importNode(picture, true));
      renderZoom();
    } catch (error) {
      ui.canvas.textContent = `Не удалось построить схему: ${error.message}`;
    }
  }

  let version = null;
  let bot = null;
  function renderStatus(answer) {
    const errors = answer.errors ?? [];
    ui.errors.hidden = errors.length === 0;
    ui.errorList.replaceChildren(
      ...errors.map((error) => {
        const item = document.createElement("li");
        item.textContent = error.text;
        return item;
      }),
    );
    const reloaded = bot === answer.bot && version !== null && answer.version !== version;
    if (reloaded) {
      showToast(`Бот ${answer.bot} перезагружен: следующее сообщение пойдёт в новую версию`);
      if (ui.dialog.open) showGraph();
    }
    ui.status.textContent = errors.length
      ? `В YAML ошибки (${errors.length}) — отвечает последняя исправная версия.`
      : "Правьте YAML бота — следующее сообщение пойдёт в новую версию, без перезапуска.";
    version = answer.version;
    bot = answer.bot;
  }

  async function pollStatus() {
    for (;;) {
      if (currentBot()) {
        try {
          const response = await fetch(`${base()}/status`, { cache: "no-store" });
          if (response.ok) renderStatus(await response.json());
        } catch {
          // the chat's own poll reports a lost connection
        }
      }
      await new Promise((resolve) => setTimeout(resolve, document.hidden ? STATUS_POLL_MS * 4 : STATUS_POLL_MS));
    }
  }

  /** The whole picture fits the window; «Крупно» shows it 1:1, scrolled to the start flow. */
  let zoomed = false;
  function renderZoom() {
    ui.canvas.classList.toggle("is-fit", !zoomed);
    ui.zoom.setAttribute("aria-pressed", String(zoomed));
    ui.zoom.textContent = zoomed ? "Целиком" : "Крупно";
    const start = ui.canvas.querySelector("g.node rect[stroke-width='2.6']");
    if (zoomed && start) {
      const box = start.getBBox();
      ui.canvas.scrollLeft = box.x + box.width / 2 - ui.canvas.clientWidth / 2;
      ui.canvas.scrollTop = Math.max(0, box.y - 120);
    }
  }

  ui.zoom.addEventListener("click", () => {
    zoomed = !zoomed;
    renderZoom();
  });
  ui.open.addEventListener("click", showGraph);
  pollStatus();
}
