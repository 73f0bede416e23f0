// Building and formatting what the operator sees. Server text always goes in as text, never HTML.
export const $ = (id) => document.getElementById(id);

export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

export const timeFmt = new Intl.DateTimeFormat("ru-RU", { hour: "2-digit", minute: "2-digit" });
export const dateFmt = new Intl.DateTimeFormat("ru-RU", { day: "2-digit", month: "2-digit", year: "numeric" });
export const stampFmt = new Intl.DateTimeFormat("ru-RU", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function when(iso, fmt) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? fmt.format(date) : "—";
}

// A polite live region: screen readers hear news without losing their place.
export function announce(text) {
  const node = $("announcer");
  node.textContent = "";
  window.setTimeout(() => { node.textContent = text; }, 50);
}

export function showError(id, text) {
  const node = $(id);
  node.textContent = text || "";
  node.hidden = !text;
}

export const cell = (text, cls) => el("td", { class: cls, text: text === null || text === undefined ? "—" : String(text) });
