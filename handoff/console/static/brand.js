// The omnicab mark, drawn inline so it needs no request and scales crisply.

const SVG_NS = "http://www.w3.org/2000/svg";
let gradientCounter = 0;

export function brandLogo() {
  gradientCounter += 1;
  const id = `brand-gradient-${gradientCounter}`;
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 40 40");
  svg.setAttribute("class", "brand-logo");
  svg.setAttribute("aria-hidden", "true");
  const defs = document.createElementNS(SVG_NS, "defs");
  const gradient = document.createElementNS(SVG_NS, "linearGradient");
  for (const [key, value] of Object.entries({ id, x1: "0", y1: "0", x2: "40", y2: "40", gradientUnits: "userSpaceOnUse" })) {
    gradient.setAttribute(key, value);
  }
  for (const [offset, color] of [["0", "#4aa3ff"], ["1", "#1f6fd6"]]) {
    const stop = document.createElementNS(SVG_NS, "stop");
    stop.setAttribute("offset", offset);
    stop.setAttribute("stop-color", color);
    gradient.append(stop);
  }
  defs.append(gradient);
  const shape = (tag, attributes) => {
    const element = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    return element;
  };
  svg.append(
    defs,
    shape("rect", { width: "40", height: "40", rx: "11", fill: `url(#${id})` }),
    shape("path", {
      d: "M11 14.5c0-2 1.6-3.5 3.5-3.5h11c2 0 3.5 1.6 3.5 3.5v8c0 2-1.6 3.5-3.5 3.5H19l-5 4v-4h.5c-2 0-3.5-1.6-3.5-3.5z",
      fill: "#fff",
    }),
    shape("circle", { cx: "16", cy: "18.5", r: "1.6", fill: "#2b7de9" }),
    shape("circle", { cx: "20", cy: "18.5", r: "1.6", fill: "#2b7de9" }),
    shape("circle", { cx: "24", cy: "18.5", r: "1.6", fill: "#2b7de9" }),
  );
  return svg;
}
