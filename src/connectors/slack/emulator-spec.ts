/**
 * Request shapes of the Slack Web API methods the emulator serves, transcribed from Slack's
 * official OpenAPI spec (slackapi/slack-api-specs `web-api/slack_web_openapi_v2.json`, MIT);
 * tests/emulators/slack-spec.test.ts checks this table against the spec file.
 * @module
 */
export type ParamType = 'string' | 'boolean'

export interface MethodShape {
  httpMethods: string[]
  params: Record<string, { type: ParamType; required?: boolean }>
}

export const WEB_API_SHAPES: Record<string, MethodShape> = {
  'chat.postMessage': {
    httpMethods: ['POST'],
    params: {
      as_user: { type: 'string' },
      attachments: { type: 'string' },
      blocks: { type: 'string' },
      channel: { type: 'string', required: true },
      icon_emoji: { type: 'string' },
      icon_url: { type: 'string' },
      link_names: { type: 'boolean' },
      mrkdwn: { type: 'boolean' },
      parse: { type: 'string' },
      reply_broadcast: { type: 'boolean' },
      text: { type: 'string' },
      thread_ts: { type: 'string' },
      unfurl_links: { type: 'boolean' },
      unfurl_media: { type: 'boolean' },
      username: { type: 'string' },
    },
  },
  'auth.test': { httpMethods: ['GET', 'POST'], params: {} },
}

/**
 * Check arguments against a method's shape. Form bodies carry every value as a string, so
 * booleans may be `"true"`/`"false"`/`"1"`/`"0"`, and `blocks`/`attachments` may be JSON
 * arrays (JSON bodies) or JSON-encoded strings (form bodies). Returns Slack's error code or null.
 */
export function checkArgs(shape: MethodShape, args: Record<string, unknown>): string | null {
  for (const [name, p] of Object.entries(shape.params)) {
    const v = args[name]
    if (v === undefined || v === null) continue
    if (p.type === 'boolean' && typeof v !== 'boolean' && !['true', 'false', '1', '0'].includes(String(v))) return 'invalid_arguments'
    if (p.type === 'string' && (name === 'blocks' || name === 'attachments')) {
      if (!Array.isArray(v) && typeof v !== 'string') return name === 'blocks' ? 'invalid_blocks' : 'invalid_attachments'
      continue
    }
    if (p.type === 'string' && typeof v !== 'string' && typeof v !== 'number') return 'invalid_arguments'
  }
  return null
}

/** `blocks` as an array, parsing a JSON string; null when present but not a JSON array. */
export function parseJsonArray(v: unknown): unknown[] | null | undefined {
  if (v === undefined || v === null || v === '') return undefined
  if (Array.isArray(v)) return v
  if (typeof v !== 'string') return null
  try {
    const parsed = JSON.parse(v) as unknown
    return Array.isArray(parsed) ? parsed : null
  } catch {
    return null
  }
}
