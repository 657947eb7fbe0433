/**
 * `<vscode-slider>`: @vscode-elements/elements 2.5 has no slider, so this is a themed native range input in a
 * light-DOM wrapper. The tag is the scene editor's test hook (docs/CONTRACTS.md); the inner
 * `input[type=range]` stays reachable for tests and assistive technology. Native `input` (while dragging) and
 * `change` (on release) events bubble out of it unchanged.
 */
export class SliderElement extends HTMLElement {
  readonly input: HTMLInputElement;

  constructor() {
    super();
    this.input = document.createElement('input');
    this.input.type = 'range';
    this.input.addEventListener('input', () => this.updateFill());
  }

  connectedCallback(): void {
    // Custom element constructors may not add children; the input joins once the element is in the page.
    if (this.input.parentNode !== this) this.appendChild(this.input);
    this.updateFill();
  }

  configure(min: number, max: number, step: number, label: string): void {
    this.input.min = String(min);
    this.input.max = String(max);
    this.input.step = String(step);
    this.input.setAttribute('aria-label', label);
    this.updateFill();
  }

  get value(): number {
    return this.input.valueAsNumber;
  }

  set value(value: number) {
    this.input.value = String(value);
    this.updateFill();
  }

  get disabled(): boolean {
    return this.input.disabled;
  }

  set disabled(value: boolean) {
    this.input.disabled = value;
  }

  /** The filled part of the track, drawn by CSS from `--fill` (set through CSSOM, which the CSP allows). */
  private updateFill(): void {
    const min = Number(this.input.min);
    const max = Number(this.input.max);
    const fraction = max > min ? (this.input.valueAsNumber - min) / (max - min) : 0;
    this.style.setProperty('--fill', `${(Math.min(1, Math.max(0, fraction)) * 100).toFixed(2)}%`);
  }
}

export function defineSlider(): void {
  if (!customElements.get('vscode-slider')) customElements.define('vscode-slider', SliderElement);
}

declare global {
  interface HTMLElementTagNameMap {
    'vscode-slider': SliderElement;
  }
}
