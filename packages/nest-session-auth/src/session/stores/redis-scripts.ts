import { createHash } from 'node:crypto';

/** Adds a session id to an owner's index (a sorted set scored by expiry that expires with its last session). */
const INDEX = `
local function index(key, expires, sid)
  redis.call('ZADD', key, expires, sid)
  redis.call('PEXPIREAT', key, expires, 'NX')
  redis.call('PEXPIREAT', key, expires, 'GT')
end
`;

/** Writes the session hash (ARGV: record fields, sid) and, given KEYS[2], indexes it there. */
const WRITE = `${INDEX}
local function write(rev)
  redis.call('HSET', KEYS[1], 'json', ARGV[1], 'rev', rev, 'expired', ARGV[2], 'owner', ARGV[3],
    'handle', ARGV[4], 'createdAt', ARGV[5], 'lastSeen', ARGV[6], 'userAgent', ARGV[7], 'ip', ARGV[8])
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
  if KEYS[2] then index(KEYS[2], ARGV[2], ARGV[9]) end
end
`;

/**
 * One script per write, so a write is one round trip and the owner index changes with the
 * session. Sessions are hashes under `<prefix><sid>`, indexes `<prefix>owner:<owner>`; in a
 * Cluster the two are in different slots, so there the index is written by `index` on its own.
 */
const SCRIPTS = {
  insert: `${WRITE} redis.call('DEL', KEYS[1]) write(1) return 1`,
  /** Compare-and-set: writes only if the session still has the revision the request loaded. */
  update: `${WRITE}
    local rev = redis.call('HGET', KEYS[1], 'rev')
    if rev ~= ARGV[10] then return 0 end
    write(tonumber(rev) + 1) return 1`,
  /** KEYS[1]: the index. ARGV: expires, sid. */
  index: `${INDEX} index(KEYS[1], ARGV[1], ARGV[2]) return 1`,
};

export type ScriptName = keyof typeof SCRIPTS;

interface ScriptOptions {
  keys: string[];
  arguments: string[];
}

/** The ways to load and run a script, which a client, a Sentinel and a Cluster all have. */
export interface ScriptRunner {
  evalSha(sha: string, options: ScriptOptions): Promise<unknown>;
  eval(script: string, options: ScriptOptions): Promise<unknown>;
  scriptLoad(script: string): Promise<string>;
}

const SHAS = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, body]) => [
    name,
    createHash('sha1').update(body).digest('hex'),
  ]),
) as Record<ScriptName, string>;

/** Loads every script into a server's cache, so that even the first run of each is by SHA. */
export async function loadScripts(redis: ScriptRunner): Promise<void> {
  await Promise.all(Object.values(SCRIPTS).map((script) => redis.scriptLoad(script)));
}

/**
 * Runs a script by SHA; a server that does not have it (restarted, failed over, another Cluster
 * node) gets the whole script once with EVAL, which also caches it there.
 */
export async function runScript(
  redis: ScriptRunner,
  name: ScriptName,
  keys: string[],
  args: string[],
): Promise<unknown> {
  const options = { keys, arguments: args };
  try {
    return await redis.evalSha(SHAS[name], options);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(SCRIPTS[name], options);
  }
}
