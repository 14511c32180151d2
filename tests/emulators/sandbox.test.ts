import { Client } from '@hubspot/api-client'
import { WebClient } from '@slack/web-api'
import { describe, expect, it } from 'vitest'
import { formatSandboxLines, startSandbox } from '../../src/sandbox/index.js'

describe('the sandbox with the registered emulators', () => {
  it('serves hubspot, slack and clay, printing one line per service, usable by the official SDKs', async () => {
    const sb = await startSandbox({ options: { hubspot: { searchLagMs: 0 } } })
    try {
      expect(Object.keys(sb.urls)).toEqual(expect.arrayContaining(['hubspot', 'slack', 'clay']))
      const lines = formatSandboxLines(sb.urls)
      expect(lines).toContain(`hubspot ${sb.urls.hubspot}`)
      for (const line of lines) expect(line).toMatch(/^([a-z0-9-]+ http:\/\/127\.0\.0\.1:\d+|smtp smtp:\/\/127\.0\.0\.1:\d+)$/)
      const web = new WebClient('xoxb-sandbox', { slackApiUrl: `${sb.urls.slack}/api/` })
      expect((await web.auth.test()).ok).toBe(true)
      const hs = new Client({ accessToken: 'pat-sandbox', basePath: sb.urls.hubspot })
      const co = await hs.crm.companies.basicApi.create({ properties: { domain: 'acme.com' }, associations: [] })
      expect(co.properties.domain).toBe('acme.com')
    } finally {
      await sb.close()
    }
  })
})
