/**
 * The key two account names are compared by: NFKC normalisation and full Unicode case folding,
 * so names that look the same (`straße` and `STRASSE`, NFD and NFC `é`, `ﬁ` and `fi`, fullwidth
 * and ASCII letters, the Kelvin sign and `k`) are one account. Computed in JS, not with SQL
 * `lower()`, so SQLite (which folds ASCII only) and PostgreSQL store the same key.
 *
 * Lower before upper: `ẞ` (U+1E9E) only reaches `ss` through `ß`. Unlike Unicode's case
 * folding, dotless `ı` also joins `i`, which suits names that must not look alike.
 * @example accountNameKey('STRAẞE') // 'strasse'
 */
export function accountNameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}

/**
 * Characters a name may not contain because they are invisible or change how the text around
 * them is shown: C0/C1 controls, zero-width characters, BOM, soft hyphen, variation selectors,
 * bidi controls, and line and paragraph separators. Two names differing only by them would look
 * the same.
 */
export const INVISIBLE_CHARACTERS =
  /[\p{Cc}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\u2028\u2029]/u;
