import { z } from 'zod';

// C0 and C1 control characters, DEL included.
// oxlint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

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
          (value) => !CONTROL_CHARACTERS.test(value),
          'Items cannot contain control characters.',
        ),
    ),
});

/** The `:index` of `POST /cart/items/:index/remove`: a position in the list, from 0. */
export const itemIndexSchema = z
  .string()
  .regex(/^\d{1,6}$/)
  .transform(Number);
