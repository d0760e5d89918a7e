type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Three-way merge of session data, as git merges lines: `base` is what this request loaded,
 * `mine` what it wants to save, `theirs` what another request saved meanwhile. Whatever this
 * request changed relative to `base` is re-applied onto `theirs`; everything else keeps
 * `theirs`. Objects merge key by key, recursively, so two requests adding different keys to
 * one object both survive; any other value (arrays included) is replaced as a whole, so keep
 * collections that parallel requests may change as objects keyed by id.
 */
export function mergeSessionData(base: Json, mine: Json, theirs: Json): Json {
  if (same(base, mine)) return theirs;
  if (!isObject(mine) || !isObject(theirs)) return mine;
  // Both created the same object anew (e.g. two first cart adds): merge them as additions.
  if (base === undefined) base = {};
  if (!isObject(base)) return mine;
  const merged: Record<string, Json> = { ...theirs };
  for (const key of new Set([...Object.keys(base), ...Object.keys(mine)])) {
    if (!(key in mine)) {
      if (key in base) delete merged[key];
    } else {
      merged[key] = mergeSessionData(base[key], mine[key], theirs[key]);
    }
  }
  return merged;
}
