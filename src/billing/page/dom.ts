/**
 * Finding the page's elements and making new ones. The page only ever sets
 * text (never HTML), so its Content-Security-Policy can forbid inline script
 * altogether.
 */

export function $(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node;
}

function ofType<T extends HTMLElement>(id: string, type: { new (): T; readonly name: string }): T {
  const node = $(id);
  if (!(node instanceof type)) throw new Error(`#${id} is not an ${type.name}`);
  return node;
}

export const input = (id: string): HTMLInputElement => ofType(id, HTMLInputElement);
export const select = (id: string): HTMLSelectElement => ofType(id, HTMLSelectElement);
export const details = (id: string): HTMLDetailsElement => ofType(id, HTMLDetailsElement);
export const form = (id: string): HTMLFormElement => ofType(id, HTMLFormElement);

/** Attributes to set, plus `className` and `dataset`. */
export interface Props {
  readonly className?: string;
  readonly dataset?: Readonly<Record<string, string>>;
  readonly [attribute: string]: string | Readonly<Record<string, string>> | undefined;
}

/** A new element with `props` and `children` (text is added as text, never parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: ReadonlyArray<Node | string | number>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') Object.assign(node.dataset, value);
    else if (name === 'className') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** Runs `work` with `button` disabled, so a double click cannot pay twice. */
export async function busy(button: HTMLButtonElement, work: () => Promise<unknown>): Promise<void> {
  if (button.disabled) return;
  button.disabled = true;
  try {
    await work();
  } finally {
    button.disabled = false;
  }
}
