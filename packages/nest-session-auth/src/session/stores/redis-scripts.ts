import type { RedisClientType } from 'redis';

/** Writes the session hash (ARGV: record fields, sid) and, with KEYS[2], its owner's index. */
const WRITE = `
local function write(rev)
  redis.call('HSET', KEYS[1], 'json', ARGV[1], 'rev', rev, 'expired', ARGV[2], 'owner', ARGV[3],
    'handle', ARGV[4], 'createdAt', ARGV[5], 'lastSeen', ARGV[6], 'userAgent', ARGV[7], 'ip', ARGV[8])
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
  if KEYS[2] then
    redis.call('ZADD', KEYS[2], ARGV[2], ARGV[9])
    redis.call('PEXPIREAT', KEYS[2], ARGV[2], 'NX')
    redis.call('PEXPIREAT', KEYS[2], ARGV[2], 'GT')
  end
end
`;

/**
 * One script per operation, so each is one round trip and the owner index (a sorted set of
 * session ids scored by expiry, expiring with its last session) changes with the session.
 * Sessions are hashes under `<prefix><sid>`, indexes `<prefix>owner:<owner>`.
 */
export const SCRIPTS = {
  insert: `${WRITE} redis.call('DEL', KEYS[1]) write(1) return 1`,
  /** Compare-and-set: writes only if the session still has the revision the request loaded. */
  update: `${WRITE}
    local rev = redis.call('HGET', KEYS[1], 'rev')
    if rev ~= ARGV[10] then return 0 end
    write(tonumber(rev) + 1) return 1`,
  /** ARGV: prefix, sid. */
  remove: `
    local owner = redis.call('HGET', KEYS[1], 'owner')
    redis.call('DEL', KEYS[1])
    if owner and owner ~= '' then redis.call('ZREM', ARGV[1] .. 'owner:' .. owner, ARGV[2]) end
    return 1`,
  /** KEYS[1]: the index. ARGV: now, prefix, owner. Rows of handle, createdAt, lastSeen, userAgent, ip. */
  listOwned: `
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
    local rows = {}
    for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
      local r = redis.call('HMGET', ARGV[2] .. sid, 'owner', 'handle', 'createdAt', 'lastSeen', 'userAgent', 'ip', 'expired')
      if r[1] == ARGV[3] and tonumber(r[7]) > tonumber(ARGV[1]) then
        rows[#rows + 1] = { r[2], r[3], r[4], r[5], r[6] }
      end
    end
    return rows`,
  /** KEYS[1]: the index. ARGV: prefix, owner, handle given ('1' or ''), handle, except given, except. */
  removeOwned: `
    local removed = 0
    for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
      local key = ARGV[1] .. sid
      local r = redis.call('HMGET', key, 'owner', 'handle')
      if r[1] ~= ARGV[2] then
        redis.call('ZREM', KEYS[1], sid)
      elseif (ARGV[3] == '' or r[2] == ARGV[4]) and (ARGV[5] == '' or r[2] ~= ARGV[6]) then
        removed = removed + redis.call('DEL', key)
        redis.call('ZREM', KEYS[1], sid)
      end
    end
    return removed`,
};

type ScriptName = keyof typeof SCRIPTS;

/** The scripts, loaded once and run by SHA; loaded again when the server lost them (NOSCRIPT). */
export class RedisScripts {
  private readonly shas = new Map<ScriptName, string>();

  constructor(private readonly client: RedisClientType) {}

  async load(): Promise<void> {
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      this.shas.set(name, await this.client.scriptLoad(SCRIPTS[name]));
    }
  }

  async run(name: ScriptName, keys: string[], args: string[]): Promise<unknown> {
    const options = { keys, arguments: args };
    try {
      return await this.client.evalSha(this.shas.get(name)!, options);
    } catch (error) {
      // A restarted or failed-over server has an empty script cache.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      this.shas.set(name, await this.client.scriptLoad(SCRIPTS[name]));
      return this.client.evalSha(this.shas.get(name)!, options);
    }
  }
}
