/** Tiny DOM builders: the webviews build their own markup, so the host's HTML is only a CSP, a stylesheet and a script. */

export type Attributes = Record<string, string | number | boolean | undefined>;
export type Child = Node | string | null | undefined | false;

/** `el('div', { class: 'row', 'data-path': 'camera.azimuth' }, child...)`; `true` sets an empty attribute, `false`/undefined none. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes?: Attributes, ...children: Child[]): HTMLElementTagNameMap[K];
export function el(tag: string, attributes?: Attributes, ...children: Child[]): HTMLElement;
export function el(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** The element with this id, created by this webview's own code (a missing one is a programming error). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing`);
  return element as T;
}

/** A VS Code theme colour (`--vscode-*` CSS variable) or the fallback outside VS Code. */
export function themeColor(variable: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(variable).trim();
  return value === '' ? fallback : value;
}

/** Calls `listener` when VS Code switches the colour theme (it changes the body's class and the CSS variables). */
export function onThemeChange(listener: () => void): void {
  new MutationObserver(listener).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}

/** Where a webview puts its page: the host's `<div id="app">` (src/webviewHtml.ts), or the body outside VS Code. */
export function mountRoot(): HTMLElement {
  return document.getElementById('app') ?? document.body;
}
