const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A moment for a `<time>` element: readable UTC text and the ISO value for `datetime`. */
export interface ReadableTime {
  /** e.g. `2026-11-26T23:41:00.000Z` */
  iso: string;
  /** e.g. `26 Nov 2026, 23:41 UTC` */
  text: string;
}

/**
 * Epoch milliseconds (undefined when not a number) as text that reads the same for every visitor, whatever the server's
 * locale or time zone.
 * @example readableTime(Date.UTC(2026, 10, 26, 23, 41)).text // '26 Nov 2026, 23:41 UTC'
 */
export function readableTime(epochMs: number): ReadableTime | undefined {
  const date = new Date(epochMs);
  // A damaged stored value is shown as unknown rather than failing the whole page.
  if (Number.isNaN(date.getTime())) return undefined;
  const hours = String(date.getUTCHours()).padStart(2, '0');
  const minutes = String(date.getUTCMinutes()).padStart(2, '0');
  return {
    iso: date.toISOString(),
    text: `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${hours}:${minutes} UTC`,
  };
}
