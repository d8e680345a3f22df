import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from './parse-size.js';

describe('parseSize', () => {
  it('reads binary units, case-insensitively', () => {
    expect(parseSize('8MB')).toBe(8 * 2 ** 20);
    expect(parseSize('64KB')).toBe(65_536);
    expect(parseSize('1gb')).toBe(2 ** 30);
    expect(parseSize('1.5KB')).toBe(1536);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize(' 12 B ')).toBe(12);
  });

  it('rejects anything else with a message naming the input and the accepted form', () => {
    for (const bad of ['', 'MB', '8 TB', '-1MB', '0KB', '1.1B', 'eight']) {
      expect(() => parseSize(bad)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining(JSON.stringify(bad)) }));
    }
  });
});

describe('formatSize', () => {
  it('is the inverse of parseSize for whole units', () => {
    for (const text of ['64KB', '8MB', '1GB', '1000B']) expect(formatSize(parseSize(text))).toBe(text);
    expect(formatSize(1536)).toBe('1.50KB');
  });
});
