/**
 * `pipewright sandbox --strict`: the emulators enforce what production would — only the listed
 * Slack channels and webhooks exist, only the sandbox's (and the listed) tokens authenticate, and
 * Airtable tables have a schema — so a misspelt channel, a wrong token or an unknown field answers
 * `channel_not_found`, `invalid_auth` or `UNKNOWN_FIELD_NAME` to the official SDKs as it would in
 * production. Read from `sandbox.yaml` (or `--config <file>`).
 *
 * @example
 * ```yaml
 * slack:
 *   channels: ['#leads', C0123456789]
 * airtable:
 *   bases:
 *     appLeads:
 *       Leads:
 *         fields: { Name: text, Score: number, Stage: { type: singleSelect, options: [hot, cold] } }
 * ```
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { ConfigError, ErrorCodes } from '../errors.js'

/** Tokens `sandboxEnv` hands to connectors; strict mode always accepts them. */
export const SANDBOX_TOKENS = { slack: 'xoxb-sandbox', airtable: 'pat-sandbox' } as const
/** The webhook path `sandboxEnv` hands out as SLACK_WEBHOOK_URL. */
const SANDBOX_SLACK_WEBHOOK = 'T0SANDBOX/B0SANDBOX/sandbox'

const fieldType = z.enum(['text', 'number', 'checkbox', 'singleSelect', 'multipleSelects'])
const field = z.union([
  fieldType.transform((type) => ({ type })),
  z.strictObject({ type: fieldType, options: z.array(z.string()).optional() }),
])

export const sandboxConfigSchema = z.strictObject({
  slack: z
    .strictObject({
      /** Extra bot tokens accepted besides the sandbox's own. */
      tokens: z.array(z.string().min(1)).optional(),
      /** Channels that exist: names (`#leads` or `leads`) or ids. */
      channels: z.array(z.string().min(1)).min(1),
      /** Incoming-webhook paths `T…/B…/…` that exist besides the sandbox's own. */
      webhooks: z.array(z.string().regex(/^T[^/]+\/B[^/]+\/[^/]+$/, 'a webhook path like T000/B000/XXXX')).optional(),
    })
    .optional(),
  airtable: z
    .strictObject({
      tokens: z.array(z.string().min(1)).optional(),
      /** base id → table name → its fields (name → type) and seed records. */
      bases: z
        .record(
          z.string(),
          z.record(
            z.string().min(1),
            z.strictObject({ fields: z.record(z.string().min(1), field), records: z.array(z.record(z.string(), z.unknown())).optional() }),
          ),
        )
        .superRefine((bases, ctx) => {
          for (const id of Object.keys(bases))
            if (!id.startsWith('app')) ctx.addIssue({ code: 'custom', path: [id], message: `a base id starts with "app" (got "${id}")` })
        }),
    })
    .optional(),
})

export type SandboxConfig = z.infer<typeof sandboxConfigSchema>

/** Per-service emulator options for `startSandbox({ options })`. */
export function strictEmulatorOptions(config: SandboxConfig): Record<string, Record<string, unknown>> {
  const slack = config.slack
  const airtable = config.airtable
  return {
    slack: {
      tokens: [SANDBOX_TOKENS.slack, ...(slack?.tokens ?? [])],
      ...(slack ? { channels: slack.channels, webhooks: [SANDBOX_SLACK_WEBHOOK, ...(slack.webhooks ?? [])] } : {}),
    },
    airtable: { tokens: [SANDBOX_TOKENS.airtable, ...(airtable?.tokens ?? [])], ...(airtable ? { bases: airtable.bases } : {}) },
  }
}

/** Read and check a sandbox config file; problems name the file, line and key. */
export async function loadSandboxConfig(file: string): Promise<SandboxConfig> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new ConfigError([{ file, message: 'no such file' }], ErrorCodes.CONFIG_INVALID)
    throw e
  })
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length)
    throw new ConfigError(
      doc.errors.map((e) => ({
        file: `${file}:${e.linePos?.[0]?.line ?? 1}:${e.linePos?.[0]?.col ?? 1}`,
        message: e.message.split('\n')[0]!,
      })),
      ErrorCodes.CONFIG_INVALID,
    )
  const parsed = sandboxConfigSchema.safeParse(doc.toJS() ?? {})
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ file, field: i.path.join('.') || '(top)', message: i.message })),
      ErrorCodes.CONFIG_INVALID,
    )
  return parsed.data
}
