/**
 * What `console.log` and `util.inspect` show of ferrotok's objects. Their data lives in Rust
 * behind private fields, so Node's default rendering is an empty `Encoding {}`; each class
 * gives a short summary instead — a name with a size, then the first few values.
 */
import { inspect, type InspectOptionsStylized } from 'node:util';

/** Node's hook (`util.inspect.custom`), by its registry name: no import needed to define it. */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** How many elements of an array a summary shows before "… n more items": five, plus that
 * marker, is the most Node prints on one line (it sets longer number arrays in columns). */
const PREVIEW = 5;

/** `Name(size) { field: value, … }`, or just `[Name(size)]` below the depth limit. */
export function summary(label: string, fields: Record<string, unknown>, depth: number, options: InspectOptionsStylized): string {
  const name = options.stylize(label, 'special');
  if (depth < 0) return `[${name}]`;
  const shown = inspect(fields, {
    ...options,
    // The fields object is the summary's own wrapper, not a level the caller asked to see.
    depth: options.depth,
    maxArrayLength: Math.min(PREVIEW, options.maxArrayLength ?? PREVIEW),
    maxStringLength: Math.min(80, options.maxStringLength ?? 80),
  });
  return `${name} ${shown}`;
}
