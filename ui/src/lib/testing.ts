// Helpers for component tests: let Svelte and the mocked IPC settle, and
// type as a user does.
import { flushSync, tick } from 'svelte';

/** Lets effects, IPC answers and the effects those cause run. */
export async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  flushSync();
}

/** Types `value` into the input matching `selector`. */
export function typeInto(selector: string, value: string): void {
  const input = document.querySelector<HTMLInputElement>(selector);
  if (!input) throw new Error(`nothing matches ${selector}`);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
