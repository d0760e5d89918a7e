import { z } from 'zod';
import { password } from './credentials.schema.js';

/**
 * Form fields of `POST /account/password`. The current password is only checked for presence
 * and length here: whether it is right is the service's question.
 */
export const passwordChangeSchema = z.object({
  current_password: z
    .string({ error: 'Enter your current password.' })
    .min(1, 'Enter your current password.')
    .max(128, 'Passwords are at most 128 characters.'),
  new_password: password,
});

export type PasswordChangeForm = z.infer<typeof passwordChangeSchema>;
