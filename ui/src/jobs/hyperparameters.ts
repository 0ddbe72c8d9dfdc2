// Hyperparameters as typed in the editor become scalar JSON values:
// numbers and true/false as such, everything else as text.
export type Row = { key: string; value: string };

export function toValues(rows: Row[]): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const { key, value } of rows) {
    const name = key.trim();
    if (!name) continue;
    const text = value.trim();
    if (text === 'true' || text === 'false') values[name] = text === 'true';
    else if (text !== '' && Number.isFinite(Number(text))) values[name] = Number(text);
    else values[name] = text;
  }
  return values;
}

export function toRows(values: Record<string, string | number | boolean>): Row[] {
  return Object.entries(values).map(([key, value]) => ({ key, value: String(value) }));
}
