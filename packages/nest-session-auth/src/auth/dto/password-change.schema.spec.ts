import { describe, expect, it } from 'vitest';
import { fieldErrors } from './credentials.schema.js';
import { passwordChangeSchema } from './password-change.schema.js';

describe('passwordChangeSchema', () => {
  it('accepts a current password and an 8-128 character new one', () => {
    expect(
      passwordChangeSchema.safeParse({ current_password: 'x', new_password: 'p'.repeat(8) })
        .success,
    ).toBe(true);
    expect(
      passwordChangeSchema.safeParse({ current_password: 'x', new_password: 'p'.repeat(128) })
        .success,
    ).toBe(true);
  });

  it.each([
    [{ new_password: 'battery staple' }, { current_password: 'Enter your current password.' }],
    [
      { current_password: 'x', new_password: 'short' },
      { new_password: 'Passwords are at least 8 characters.' },
    ],
    [
      { current_password: 'x', new_password: 'p'.repeat(129) },
      { new_password: 'Passwords are at most 128 characters.' },
    ],
    [
      { current_password: ['a', 'b'], new_password: 'battery staple' },
      { current_password: 'Enter your current password.' },
    ],
  ])('names the field at fault in %j', (input, errors) => {
    const result = passwordChangeSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(fieldErrors(result.error!)).toEqual(errors);
  });
});
