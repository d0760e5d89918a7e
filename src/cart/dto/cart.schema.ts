import { z } from 'zod';
import { INVISIBLE_CHARACTERS } from 'nest-session-auth';

/** Form fields of `POST /cart/items`. */
export const addItemSchema = z.object({
  item: z
    .string({ error: 'Enter an item.' })
    .transform((value) => value.trim())
    .pipe(
      z
        .string()
        .min(1, 'Enter an item.')
        .max(100, 'Items are at most 100 characters.')
        .refine(
          (value) => !INVISIBLE_CHARACTERS.test(value),
          'Items cannot contain control characters or invisible characters.',
        ),
    ),
});

/** The `:index` of `POST /cart/items/:index/remove`: a position in the list, from 0. */
export const itemIndexSchema = z
  .string()
  .regex(/^\d{1,6}$/)
  .transform(Number);
