import { describe, expect, it } from 'vitest';
import { toRows, toValues } from './hyperparameters';

describe('hyperparameters', () => {
  it('keeps numbers and booleans as such and drops empty names', () => {
    expect(
      toValues([
        { key: 'lr', value: '1e-4' },
        { key: 'epochs', value: ' 30 ' },
        { key: 'fp16', value: 'true' },
        { key: 'optimizer', value: 'adamw' },
        { key: ' ', value: 'ignored' },
      ]),
    ).toEqual({ lr: 0.0001, epochs: 30, fp16: true, optimizer: 'adamw' });
  });

  it('round-trips through the editor rows', () => {
    const values = { lr: 0.001, name: 'x', on: false };
    expect(toValues(toRows(values))).toEqual(values);
  });
});
