import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { benchAddress, randomAddress } from './http.mjs';

describe('client addresses', () => {
  it('gives each set-up browser its own address in 198.18.0.0/15', () => {
    const addresses = Array.from({ length: 600 }, (_, i) => benchAddress(i));
    expect(new Set(addresses).size).toBe(600);
    expect(addresses.every((a) => isIP(a) === 4 && a.startsWith('198.18.'))).toBe(true);
  });

  it('draws random addresses in 10.0.0.0/8', () => {
    const addresses = Array.from({ length: 100 }, randomAddress);
    expect(addresses.every((a) => isIP(a) === 4 && a.startsWith('10.'))).toBe(true);
    expect(new Set(addresses).size).toBeGreaterThan(90);
  });
});
